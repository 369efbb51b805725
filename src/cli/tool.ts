/** What the client tools share: running with one-line errors, --property key=value lists. */
import { ClientError } from '../client/errors.js';
import { UsageError } from './args.js';

/**
 * Runs a tool: a UsageError, a client error (unreachable broker, unknown topic, a Kafka error
 * code) or any other failure becomes one line on stderr and exit code 1.
 */
export async function runTool(name: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UsageError) process.stderr.write(`runnel ${name}: ${err.message} (see runnel ${name} --help)\n`);
    else if (err instanceof ClientError) process.stderr.write(`runnel ${name}: ${err.message}\n`);
    else process.stderr.write(`runnel ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** `key=value` items (of --property, --config, --producer-property) as a map. */
export function keyValues(items: string[] | undefined, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} takes key=value, not '${item}'`);
    out.set(item.slice(0, eq).trim(), item.slice(eq + 1));
  }
  return out;
}

export function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return v.trim().toLowerCase() === 'true';
}

/** A non-negative integer flag value (or `min`), else a UsageError. */
export function intFlag(v: string | undefined, flag: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim()) || Number(v) < min) throw new UsageError(`${flag} takes an integer >= ${min}, not '${v}'`);
  return Number(v);
}

/** The value of a flag that must be given. */
export function required(flags: Map<string, string[]>, flag: string, why = ''): string {
  const v = flags.get(flag)?.[0];
  if (v === undefined || v === '') throw new UsageError(`missing required option ${flag}${why}`);
  return v;
}

/** Escapes as Java properties files allow in key.separator: \t, \n, \r, \\. */
export function unescape(s: string): string {
  return s.replace(/\\([tnr\\])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}
