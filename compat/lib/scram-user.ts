/** Creates a SCRAM user with `runnel configs` (compat/lib/scram-user.sh) for the TypeScript scripts. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./scram-user.sh', import.meta.url));

export function createScramUser(user: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', password: string, iterations = 8192): void {
  const out = execFileSync('sh', [SCRIPT, user, mechanism, password, String(iterations)], { encoding: 'utf8', timeout: 60_000 });
  if (!out.includes('Completed updating config for user')) throw new Error(`runnel configs did not create ${user}: ${out}`);
}
