import { logConformance } from './log-conformance.js';
import { baseConfig } from './helpers.js';
import { MemoryLog } from '../../src/storage/memory-log.js';

logConformance('memory log', async (cfg) => {
  const config = { ...baseConfig, ...cfg };
  return new MemoryLog('t', 0, () => config);
});
