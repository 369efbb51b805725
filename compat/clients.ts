/**
 * The clients of the compatibility suite, in the order of the table's rows. Each one names the
 * directory under compat/clients/ that holds its scenario scripts, the extension of those scripts,
 * and a probe that finds the client on this machine and says how to run a script with it.
 *
 * A client that the probe cannot find is skipped with the probe's reason, or fails when CI=true.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Launch {
  cmd: string;
  args: string[];
}

export type Probe =
  | { ok: true; version: string; launch(script: string): Launch; env?: Record<string, string> }
  | { ok: false; reason: string };

export interface Client {
  /** Directory under compat/clients/ and the name used in filters and the allowlist. */
  id: string;
  /** Shown in the table, with the version the probe found. */
  name: string;
  /** Scenario scripts are compat/clients/<id>/<scenario><ext>. */
  ext: '.ts' | '.py' | '.sh';
  probe(): Promise<Probe>;
}

/** TypeScript scripts run in a fresh Node process through tsx, as `node --import tsx script.ts`. */
function nodeScript(script: string): Launch {
  return { cmd: process.execPath, args: ['--import', 'tsx', script] };
}

function npmPackage(pkg: string): () => Promise<Probe> {
  return async () => {
    const require = createRequire(join(REPO_ROOT, 'package.json'));
    let entry: string;
    try {
      entry = require.resolve(pkg);
    } catch {
      return { ok: false, reason: `npm package ${pkg} is not installed (npm install)` };
    }
    // The package's own package.json, found upwards from its entry point (exports may hide it).
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (json.name === pkg) return { ok: true, version: json.version ?? '?', launch: nodeScript };
    }
    return { ok: true, version: '?', launch: nodeScript };
  };
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() || (err ? err.message : '') });
    });
  });
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Debian's Python modules (python3-confluent-kafka, python3-kafka) are only seen by Debian's own
 * interpreter, which a pyenv or venv python3 earlier on PATH would hide: prefer /usr/bin/python3.
 */
function python(): string {
  return process.env.RUNNEL_COMPAT_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

function pythonModule(module: string, versionExpr: string, hint: string): () => Promise<Probe> {
  return async () => {
    const py = python();
    const r = await run(py, ['-c', `import ${module}; print(${versionExpr})`]);
    if (!r.ok) {
      const last = r.out.split('\n').pop() ?? '';
      return { ok: false, reason: `${py}: cannot import ${module} (${last}); install ${hint}` };
    }
    return { ok: true, version: r.out, launch: (script) => ({ cmd: py, args: [script] }) };
  };
}

export const clients: readonly Client[] = [
  { id: 'kafkajs', name: 'kafkajs', ext: '.ts', probe: npmPackage('kafkajs') },
  { id: 'platformatic-kafka', name: '@platformatic/kafka', ext: '.ts', probe: npmPackage('@platformatic/kafka') },
  {
    id: 'kcat',
    name: 'kcat',
    ext: '.sh',
    async probe() {
      const kcat = process.env.KCAT ?? onPath('kcat') ?? onPath('kafkacat');
      if (!kcat || !existsSync(kcat)) return { ok: false, reason: `${kcat ?? 'kcat'} not found (apt-get install kcat, or set KCAT)` };
      const jq = onPath('jq');
      if (!jq) return { ok: false, reason: 'jq is not on PATH; the kcat scripts read its JSON with it (apt-get install jq)' };
      const v = await run(kcat, ['-V']);
      const m = /Version (\S+).*?librdkafka (\S+)/s.exec(v.out);
      return {
        ok: true,
        version: m ? `${m[1]} (librdkafka ${m[2]})` : '?',
        launch: (script) => ({ cmd: 'sh', args: [script] }),
        env: { KCAT: kcat },
      };
    },
  },
  {
    id: 'confluent-kafka',
    name: 'confluent-kafka (Python)',
    ext: '.py',
    probe: pythonModule(
      'confluent_kafka',
      "confluent_kafka.version()[0] + ' (librdkafka ' + confluent_kafka.libversion()[0] + ')'",
      'python3-confluent-kafka',
    ),
  },
  { id: 'kafka-python', name: 'kafka-python', ext: '.py', probe: pythonModule('kafka', 'kafka.__version__', 'python3-kafka') },
];
