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

/** The flags a tool's spec leaves out: --help and -h are always taken. */
const HELP_FLAGS: Record<string, FlagSpec> = { '--help': {}, '-h': {} };

/** The flags, or undefined when --help (or -h) asked for the help, which is then printed. */
export function flagsOrHelp(argv: string[], spec: Record<string, FlagSpec>, help: string): Map<string, string[]> | undefined {
  const flags = parseFlags(argv, { ...spec, ...HELP_FLAGS });
  if (!flags.has('--help') && !flags.has('-h')) return flags;
  process.stdout.write(help);
  return undefined;
}

export function parseFlags(argv: string[], spec: Record<string, FlagSpec>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option '${arg}'`);
    let value = '';
    if (s.value) {
      if (eq > 0 && arg.startsWith('--')) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new UsageError(`${name} needs a value`);
    }
    const prev = out.get(name);
    if (prev && !s.repeat) throw new UsageError(`${name} given twice`);
    out.set(name, [...(prev ?? []), value]);
  }
  return out;
}
