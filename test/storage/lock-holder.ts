/**
 * A process that locks a directory for a test: prints "ready", waits for "go" on stdin, then prints
 * "locked" or "refused <message>" and stays alive (holding the lock) until stdin closes or it is killed.
 */
import { createInterface } from 'node:readline';
import { lockDir } from '../../src/storage/dir-lock.js';

const dir = process.argv[2];
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
lines.on('line', (line) => {
  if (line !== 'go') return;
  lockDir(dir).then(
    () => process.stdout.write('locked\n'),
    (err: Error) => process.stdout.write(`refused ${err.message}\n`),
  );
});
lines.on('close', () => process.exit(0));
