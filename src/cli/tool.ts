/** What the client tools share: running with one-line errors, --property key=value lists. */
import { ClientError } from '../client/errors.js';
import { flagsFromHelp, flagsOrHelp, option, UsageError } from './args.js';

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

/** A tool whose options are the ones its help lists (flagsFromHelp): --help prints the help, else `fn` runs with the flags. */
export function runFlagTool(name: string, argv: string[], help: string, fn: (flags: Map<string, string[]>) => Promise<number>): Promise<number> {
  const spec = flagsFromHelp(help);
  return runTool(name, async () => {
    const flags = flagsOrHelp(argv, spec, help);
    return flags ? fn(flags) : 0;
  });
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

/** An integer flag's value (checked against min), or undefined when it is not given. */
export function intOption(flags: Map<string, string[]>, flag: string, min = 0): number | undefined {
  return intFlag(option(flags, flag), flag, min);
}

/** An integer flag that must be given. */
export function requiredInt(flags: Map<string, string[]>, flag: string, min = 0): number {
  return intFlag(required(flags, flag), flag, min)!;
}

/** The value of a flag that must be given. */
export function required(flags: Map<string, string[]>, flag: string, why = ''): string {
  const v = option(flags, flag);
  if (v === undefined || v === '') throw new UsageError(`missing required option ${flag}${why}`);
  return v;
}

/** Escapes as Java properties files allow in key.separator: \t, \n, \r, \\. */
export function unescape(s: string): string {
  return s.replace(/\\([tnr\\])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}
