import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ScaffoldError } from './scaffold-error.js';

/**
 * Writes the files under `dir`, which must be missing or empty: never overwrite someone's work, not even a
 * README. Checked before the first write, so a refusal leaves nothing behind.
 */
export async function writeProject(
  dir: string,
  files: ReadonlyMap<string, string>,
  copies: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw new ScaffoldError(`${dir} exists and is not a directory`, 3);
    throw error;
  });
  if (existing.length > 0) {
    const shown = existing.slice(0, 3).join(', ') + (existing.length > 3 ? ', …' : '');
    throw new ScaffoldError(`${dir} is not empty (${shown}); choose a new directory or empty this one`, 3);
  }
  for (const [path, content] of files) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  for (const [path, source] of copies) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await copyFile(source, join(dir, path));
  }
}
