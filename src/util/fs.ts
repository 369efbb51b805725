import { open, readFile, rename, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory so that a rename or a new file in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replace a file so that after a crash it holds either the old or the new content: write, fsync, rename, fsync the directory. `mode` applies to a new file (e.g. 0o600 for secrets). */
export async function writeFileAtomic(path: string, data: string | Buffer, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/**
 * The JSON array a store keeps in `path` (quotas, ACLs, SCRAM credentials); undefined when the file
 * does not exist yet, [] when it holds something else; an unreadable file or bad JSON throws.
 */
export async function readJsonArray(path: string): Promise<unknown[] | undefined> {
  let stored: unknown;
  try {
    stored = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return Array.isArray(stored) ? stored : [];
}
