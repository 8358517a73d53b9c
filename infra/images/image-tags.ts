import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { AGENT_ROLES, AgentRole } from '../../agent-runtime/src/contract';
import { defaultNodeImage } from './node-image';

/**
 * What goes into the base image. `.dockerignore` allowlists the same paths
 * (a test keeps the two equal), so the hash covers exactly the build context.
 */
export const BASE_IMAGE_INPUTS = [
  'package.json',
  'package-lock.json',
  'agent-runtime/package.json',
  'agent-runtime/tsconfig.json',
  'agent-runtime/src',
  'agent-runtime/Dockerfile.agent-base',
] as const;

/** What a role image adds on top of the base. */
export function roleImageInputs(role: AgentRole): string[] {
  return [`agent-runtime/Dockerfile.agent-${role}`, `agent-runtime/prompts/${role}.md`];
}

/** What the sandbox image adds: its Dockerfile, which takes the runtime from the base image. */
export const SANDBOX_IMAGE_INPUTS = ['agent-runtime/Dockerfile.sandbox'] as const;

/** Every image `npm run images` builds, smoke-tests and records; `pulumi up` deploys only those. */
export const BUILT_IMAGES = ['base', ...AGENT_ROLES, 'sandbox'] as const;
export type BuiltImage = (typeof BUILT_IMAGES)[number];

export interface ImageTags {
  readonly base: string;
  readonly roles: Readonly<Record<AgentRole, string>>;
  /** The sandbox sidecar's image: a toolchain, and the runtime's sandbox server from the base. */
  readonly sandbox: string;
}

export interface ImageTagOptions {
  /**
   * The `NODE_IMAGE` build argument, when it overrides the Dockerfile's
   * default. Another base is another image, so it gives other tags. Pass it by
   * digest: the hash covers the reference, not what a tag points at.
   */
  readonly nodeImage?: string;
}

/**
 * Content-hash tags: a tag changes exactly when what the image is built from
 * changes, so manifests can name images before they are built and an
 * unchanged runtime is never rebuilt. The base image's default is in its
 * Dockerfile, which is hashed; an override is hashed too.
 */
export function computeImageTags(repoRoot: string, options: ImageTagOptions = {}): ImageTags {
  const override = options.nodeImage !== undefined && options.nodeImage !== defaultNodeImage(repoRoot) ? options.nodeImage : undefined;
  const base = tagOf(hashInputs(repoRoot, BASE_IMAGE_INPUTS, override === undefined ? '' : `NODE_IMAGE=${override}\0`));
  const roles = Object.fromEntries(
    AGENT_ROLES.map((role) => [role, tagOf(hashInputs(repoRoot, roleImageInputs(role), base))]),
  ) as Record<AgentRole, string>;
  return { base, roles, sandbox: tagOf(hashInputs(repoRoot, SANDBOX_IMAGE_INPUTS, base)) };
}

/** Each built image's tag, by name. */
export function tagsByImage(tags: ImageTags): Record<BuiltImage, string> {
  return { base: tags.base, ...tags.roles, sandbox: tags.sandbox };
}

/** `<registry>/agent-<name>:<tag>` */
export function imageReference(registry: string, name: BuiltImage, tag: string): string {
  return `${registry}/agent-${name}:${tag}`;
}

function tagOf(digest: string): string {
  return `ctx-${digest.slice(0, 20)}`;
}

function hashInputs(repoRoot: string, inputs: readonly string[], seed = ''): string {
  const hash = createHash('sha256').update(seed);
  for (const file of inputs.flatMap((input) => listFiles(repoRoot, input))) {
    // Path and content both count: a rename changes the image too.
    hash.update(`${file}\0`);
    hash.update(existsSync(join(repoRoot, file)) ? readFileSync(join(repoRoot, file)) : '<absent>');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Files below `input` as sorted POSIX paths, so the hash is the same on every machine. */
function listFiles(repoRoot: string, input: string): string[] {
  const full = join(repoRoot, input);
  if (!existsSync(full) || !statSync(full).isDirectory()) return [input];
  return readdirSync(full, { withFileTypes: true })
    .map((entry) => posix.join(input, entry.name))
    .sort()
    .flatMap((child) => listFiles(repoRoot, child));
}
