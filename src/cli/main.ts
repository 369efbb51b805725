/** The `runnel` command. */
import { startCommand } from './start.js';
import { VERSION } from '../version.js';

const USAGE = `Usage: runnel <command> [options]

Commands:
  start      Run the broker (see runnel start --help)

Options:
  --help     Show this help
  --version  Print the version
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
      return startCommand(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`runnel: unknown command '${cmd}'\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`runnel: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
