import { logConformance } from './log-conformance.js';
import { newLog, tempDir } from './helpers.js';

logConformance('file log', async (cfg) => newLog(await tempDir(), cfg));
