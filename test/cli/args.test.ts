import { describe, it, expect } from 'vitest';
import { flagsFromHelp, parseFlags } from '../../src/cli/args.js';

const HELP = `Usage: tool --bootstrap-server HOST:PORT [options]

Actions (exactly one):
  --create                 Create a thing (--topic, optionally --config,
                           --if-not-exists)
  --list                   List things

Options:
  --bootstrap-server H:P   The broker
  --config KEY=VALUE       A config (repeatable)
  --offset O|earliest      Where to start
  --help                   Show this help
`;

describe('flagsFromHelp', () => {
  it('reads switches, flags with a placeholder and repeatable ones from the option lines only', () => {
    expect(flagsFromHelp(HELP)).toEqual({
      '--create': {},
      '--list': {},
      '--bootstrap-server': { value: true },
      '--config': { value: true, repeat: true },
      '--offset': { value: true },
      '--help': {},
    });
  });

  it('reads one section: from the line starting with its name to the next blank line', () => {
    expect(Object.keys(flagsFromHelp(HELP, 'Actions'))).toEqual(['--create', '--list']);
  });

  it('the spec it gives parses as the help says', () => {
    const flags = parseFlags(['--config', 'a=1', '--config=b=2', '--list', '--offset', 'earliest'], flagsFromHelp(HELP));
    expect(flags.get('--config')).toEqual(['a=1', 'b=2']);
    expect(flags.get('--offset')).toEqual(['earliest']);
    expect(() => parseFlags(['--list', '--list'], flagsFromHelp(HELP))).toThrow(/given twice/);
    expect(() => parseFlags(['--if-not-exists'], flagsFromHelp(HELP))).toThrow(/unknown option/);
  });
});
