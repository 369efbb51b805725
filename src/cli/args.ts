/** A small flag parser for the Kafka-style `--flag value` command lines. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** Takes a value (`--config file`) rather than being a switch (`--help`). */
  value?: boolean;
  /** May be given several times; values are collected. */
  repeat?: boolean;
}

/**
 * A tool's flags as its help text lists them, so that the help and the parser cannot disagree: an
 * option line is two spaces, the flag, and a placeholder when it takes a value (`  --topic T   The
 * topic`); "(repeatable)" in its description lets it be given several times. With `section`, only
 * the lines from the one starting with it to the next blank line (a subcommand's options).
 */
export function flagsFromHelp(help: string, section?: string): Record<string, FlagSpec> {
  let lines = help.split('\n');
  if (section !== undefined) {
    const start = lines.findIndex((l) => l.startsWith(section));
    const end = lines.findIndex((l, i) => i > start && l.trim() === '');
    lines = lines.slice(start, end < 0 ? undefined : end);
  }
  const spec: Record<string, FlagSpec> = {};
  for (const line of lines) {
    const m = /^ {2}(--[a-z][a-z0-9.-]*)( \S+)?(?: {2,}(.*))?$/.exec(line);
    if (!m) continue;
    spec[m[1]] = { ...(m[2] ? { value: true } : {}), ...(m[3]?.includes('(repeatable)') ? { repeat: true } : {}) };
  }
  return spec;
}

/** The flags a tool's spec leaves out: --help and -h are always taken. */
const HELP_FLAGS: Record<string, FlagSpec> = { '--help': {}, '-h': {} };

/** The flags, or undefined when --help (or -h) asked for the help, which is then printed. */
export function flagsOrHelp(argv: string[], spec: Record<string, FlagSpec>, help: string): Map<string, string[]> | undefined {
  const flags = parseFlags(argv, { ...spec, ...HELP_FLAGS });
  if (!flags.has('--help') && !flags.has('-h')) return flags;
  process.stdout.write(help);
  return undefined;
}

/**
 * The flag at argv[i] and its value, given as `--flag=value` or `--flag value` (for the tools that
 * check their flags themselves, with their own messages): `value` is undefined when a flag that
 * takes one is the last argument, '' for a switch; `inline` tells a switch given a value; `next` is
 * the index of the flag's last argument.
 */
export function flagAt(argv: readonly string[], i: number, takesValue: (flag: string) => boolean): { flag: string; value: string | undefined; inline: boolean; next: number } {
  const arg = argv[i];
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  const flag = eq > 0 ? arg.slice(0, eq) : arg;
  if (!takesValue(flag)) return { flag, value: '', inline: eq > 0, next: i };
  if (eq > 0) return { flag, value: arg.slice(eq + 1), inline: true, next: i };
  return i + 1 < argv.length ? { flag, value: argv[i + 1], inline: false, next: i + 1 } : { flag, value: undefined, inline: false, next: i };
}

export function parseFlags(argv: string[], spec: Record<string, FlagSpec>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const { flag: name, value, next } = flagAt(argv, i, (f) => spec[f]?.value === true);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option '${argv[i]}'`);
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    i = next;
    const prev = out.get(name);
    if (prev && !s.repeat) throw new UsageError(`${name} given twice`);
    out.set(name, [...(prev ?? []), value]);
  }
  return out;
}

/** The one flag of `choices` given (an action, say); a UsageError unless exactly one is. */
export function exactlyOne<T extends string>(flags: Map<string, string[]>, choices: readonly T[]): T {
  const given = choices.filter((c) => flags.has(c));
  if (given.length !== 1) throw new UsageError(`give exactly one of ${choices.join(', ')}`);
  return given[0];
}

/** The value of a flag that may be left out. */
export function option(flags: Map<string, string[]>, flag: string): string | undefined {
  return flags.get(flag)?.[0];
}
