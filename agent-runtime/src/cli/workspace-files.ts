import type { Part } from '@a2a-js/sdk';
import { isUtf8 } from 'node:buffer';
import { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { usageError } from './exit-codes';
import { isWithin } from './path-within';

/** Directories --dir leaves out: history and installed packages, which the agent should not get. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

export interface WorkspaceFilesOptions {
  /** --file: each goes in under its path relative to `cwd`, or under its base name when it lies outside `cwd`. */
  readonly files: readonly string[];
  /** --dir: every file under it goes in under its path relative to it. */
  readonly dir?: string;
  readonly cwd: string;
}

/**
 * The files that seed the agent's workspace, as message parts: valid UTF-8
 * without NUL bytes as text, anything else as raw bytes, each named by its
 * workspace path. Refuses a name given twice, and a symlink under --dir that
 * points outside it (the agent would get a file the user did not mean to send).
 */
export async function workspaceParts(options: WorkspaceFilesOptions): Promise<Part[]> {
  const named = new Map<string, string>();
  const add = (name: string, path: string) => {
    if (named.has(name)) throw usageError(`two files would be '${name}' in the workspace (${named.get(name)} and ${path})`);
    named.set(name, path);
  };
  for (const file of options.files) add(await fileName(file, options.cwd), resolve(options.cwd, file));
  if (options.dir !== undefined) {
    const root = resolve(options.cwd, options.dir);
    for (const path of await filesUnder(root)) add(relative(root, path).split(sep).join('/'), path);
  }
  return Promise.all([...named].map(async ([name, path]) => filePart(name, await readFile(path))));
}

async function fileName(file: string, cwd: string): Promise<string> {
  const path = resolve(cwd, file);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw usageError(`--file ${file}: no such file`);
  if (!info.isFile()) throw usageError(`--file ${file}: not a regular file${info.isDirectory() ? ' (use --dir for a directory)' : ''}`);
  return isWithin(cwd, path) ? relative(cwd, path).split(sep).join('/') : basename(path);
}

/** Every regular file under `root`, sorted; a symlink counts when it stays inside `root` and names a file. */
async function filesUnder(root: string): Promise<string[]> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw usageError(`--dir ${root}: not a directory`);
  const realRoot = await realpath(root);
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(path);
      } else if (entry.isFile()) {
        found.push(path);
      } else if (entry.isSymbolicLink()) {
        const target = await realpath(path).catch(() => undefined);
        if (!target) throw usageError(`--dir: ${path} is a broken symlink`);
        if (!isWithin(realRoot, target)) throw usageError(`--dir: ${path} is a symlink to ${target}, outside ${root}; remove it or send the file with --file`);
        // A link to a directory inside root is skipped: its files come in under their own paths, and following it could loop.
        if ((await stat(target)).isFile()) found.push(path);
      }
    }
  };
  await walk(root);
  return found.sort();
}

function filePart(name: string, bytes: Buffer): Part {
  const text = isUtf8(bytes) && !bytes.includes(0);
  return text
    ? { content: { $case: 'text', value: bytes.toString('utf8') }, filename: name, mediaType: 'text/plain', metadata: undefined }
    : { content: { $case: 'raw', value: bytes }, filename: name, mediaType: 'application/octet-stream', metadata: undefined };
}
