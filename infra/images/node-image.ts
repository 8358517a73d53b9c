import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const BASE_DOCKERFILE = 'agent-runtime/Dockerfile.agent-base';
const BY_DIGEST = /@sha256:[0-9a-f]{64}$/;

/** The Node base the runtime is built FROM when no `NODE_IMAGE` build argument overrides it: the Dockerfile's default. */
export function defaultNodeImage(repoRoot: string): string {
  const dockerfile = readFileSync(join(repoRoot, BASE_DOCKERFILE), 'utf8');
  const value = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
  if (!value) throw new Error(`${BASE_DOCKERFILE} has no default for ARG NODE_IMAGE`);
  return value;
}

/** Whether a reference names exactly one image (`repo@sha256:…`), which no push can move. */
export function isPinnedByDigest(reference: string): boolean {
  return BY_DIGEST.test(reference);
}

/**
 * Why images built FROM `nodeImage` may not be pushed, if they may not: a
 * base by tag can change under the same tag, and then the pushed images'
 * content tags would no longer say what they were built from.
 */
export function pushRefusal(nodeImage: string): string | undefined {
  if (isPinnedByDigest(nodeImage)) return undefined;
  return `--push needs the Node base by digest (repo@sha256:...), not ${nodeImage}: a tag can move, and the pushed images' tags would no longer say what they were built from. Pass --node-image <repo>@sha256:<digest>, or leave it out to use the Dockerfile's pinned default.`;
}
