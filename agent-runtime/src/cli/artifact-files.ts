import type { Artifact } from '@a2a-js/sdk';
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CliError, EXIT } from './exit-codes';
import { isWithin } from './path-within';

/** An artifact's content: its text and raw parts in order (the gateway sends one part per file). */
export function artifactBytes(artifact: Artifact): Buffer {
  return Buffer.concat(
    artifact.parts.map((part) => {
      const content = part.content;
      if (content?.$case === 'text') return Buffer.from(content.value, 'utf8');
      if (content?.$case === 'raw') return Buffer.from(content.value);
      throw new CliError(`artifact '${artifact.name}' has a ${content?.$case ?? 'empty'} part, which is not a file's content`, EXIT.refused);
    }),
  );
}

/**
 * Writes each artifact to `<out>/<its name>`, after checking every name:
 * one that is absolute or leaves `out` (`../x`), or a path through a
 * symlink, refuses the lot before anything is written, so a gateway cannot
 * make the CLI write outside the directory the user chose.
 * Returns the paths written, relative to `out`.
 */
export async function writeArtifacts(out: string, artifacts: readonly Artifact[]): Promise<string[]> {
  const targets = artifacts.map((artifact) => ({ artifact, path: resolve(out, artifact.name) }));
  for (const { artifact, path } of targets) {
    if (!artifact.name || isAbsolute(artifact.name) || !isWithin(out, path)) throw outside(artifact.name);
  }
  for (const { artifact, path } of targets) await refuseSymlinks(out, relative(out, path), artifact.name);
  const written: string[] = [];
  for (const { artifact, path } of targets) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, artifactBytes(artifact));
    written.push(relative(out, path));
  }
  return written;
}

/** Refuses a path whose existing part goes through a symlink, which could lead anywhere. */
async function refuseSymlinks(out: string, inside: string, name: string): Promise<void> {
  let path = out;
  for (const segment of inside.split(sep)) {
    path = join(path, segment);
    const info = await lstat(path).catch(() => undefined);
    if (!info) return;
    if (info.isSymbolicLink()) throw new CliError(`artifact '${name}' would be written through the symlink ${path}; nothing was written`, EXIT.refused);
  }
}

function outside(name: string): CliError {
  return new CliError(`artifact name '${name}' is outside the --out directory; nothing was written`, EXIT.refused);
}
