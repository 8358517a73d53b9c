import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { vi } from 'vitest';
import { parse } from 'yaml';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { BUILT_IMAGES, computeImageTags, imageReference, tagsByImage } from '../../infra/images/image-tags';
import { defaultNodeImage } from '../../infra/images/node-image';
import { PushedImagesRecord } from '../../infra/images/pushed-images';
import { waitFor } from '../support/agent-process';
import { REPO_ROOT } from '../support/repo';

/** A resource the program registered, as the mocks saw it. */
export interface Registered {
  type: string;
  name: string;
  inputs: any;
  /** What the (mock) provider answered: its inputs. */
  state?: any;
  /** The resource options the SDK sent to the engine (mocks do not see them otherwise). */
  protect?: boolean;
  retainOnDelete?: boolean;
}

/** A gateway tokens file as `hive token create` lines make it. */
export const GATEWAY_TOKENS = `ci ${'a'.repeat(64)}\nnightly ${'b'.repeat(64)}\n`;

/** The secret config of a stack, as `pulumi config set --secret` sets it; the database URL points at the stack's PostgreSQL. */
export function stackSecrets(stack: string): Record<string, string> {
  const postgresHost = stack === 'prod' ? 'postgres.prod.internal.example.com' : 'postgres';
  return {
    anthropicApiKey: 'sk-ant-pulumi-test',
    redisPassword: 'redis-pass-test',
    postgresPassword: 'pg-pass-test',
    gatewayTokens: GATEWAY_TOKENS,
    databaseUrl: `postgres://hive:pg-url-pass-test@${postgresHost}:5432/agent_hive`,
  };
}

/** Pulumi's wire form of a secret value. */
export const SECRET_SIG = { key: '4dabf18193072939515e22adb298388d', value: '1b47061264138c4ac30d75fd1eb44270' };

/**
 * The config of `Pulumi.<stack>.yaml` as `pulumi.Config` sees it, plus secrets the way `config set --secret` adds them,
 * and `agent-hive:imagesRecord` pointing at the record a passing push of this tree to the stack's registry writes.
 */
export function stackConfig(stack: string, secrets: Record<string, string>): Record<string, string> {
  const file = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
  const config = Object.fromEntries(Object.entries(file.config).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
  return {
    ...config,
    'agent-hive:imagesRecord': writeRecord(`${stack}.json`, testedImagesRecord(stack)),
    ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`agent-hive:${k}`, v])),
  };
}

const records = mkdtempSync(join(tmpdir(), 'hive-pushed-'));

/** Writes a record of pushed images (valid or not) into this run's temporary directory, returning its path. */
export function writeRecord(name: string, record: unknown): string {
  const file = join(records, name);
  writeFileSync(file, JSON.stringify(record));
  return file;
}

/**
 * What a passing `npm run images -- --stack <stack> --push` of this tree records, built FROM `nodeImage`
 * (the Dockerfile's default unless given). Each digest is made up from the image's reference.
 */
export function testedImagesRecord(stack: string, nodeImage = defaultNodeImage(REPO_ROOT)): PushedImagesRecord {
  const registry = loadEnvironment(REPO_ROOT, stack).image.registry;
  const tags = computeImageTags(REPO_ROOT, { nodeImage });
  const tagOf = tagsByImage(tags);
  const images = Object.fromEntries(BUILT_IMAGES.map((image) => [image, { tag: tagOf[image], digest: fakeDigest(imageReference(registry, image, tagOf[image])) }]));
  return { smokeTests: 'passed', registry, nodeImage, revision: '0123456789abcdef0123456789abcdef01234567', images };
}

/** A made-up manifest digest for `reference`. */
export function fakeDigest(reference: string): string {
  return `sha256:${createHash('sha256').update(reference).digest('hex')}`;
}

/** A registry read: the tag reference asked for and the provider asked (its URN and id, `<urn>::<id>`), if one was given. */
export interface RegistryRead {
  name: string;
  provider?: string;
}

/** What the mock registry serves: the digest each tag reference points at. */
export type MockRegistry = Readonly<Record<string, string>>;

/**
 * Runs the real program (infra/pulumi/main.ts) under Pulumi's runtime mocks
 * with the given config, and returns what it registered, read from the
 * registry and exported once registration has settled. There is no Pulumi CLI,
 * registry or cluster here: the registry serves what the config's record says
 * was pushed, except where `registry` says otherwise. An error the program
 * throws inside an output (which the CLI reports as the update's failure)
 * rejects the run.
 */
export async function runProgram(
  stack: string,
  config: Record<string, string>,
  registry: MockRegistry = {},
): Promise<{ resources: Registered[]; outputs: Record<string, unknown>; registryReads: RegistryRead[] }> {
  const resources: Registered[] = [];
  const registryReads: RegistryRead[] = [];
  const served = { ...recordedDigests(config['agent-hive:imagesRecord']), ...registry };
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, state: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => {
        if (args.token !== 'docker:index/getRegistryImage:getRegistryImage') return args.inputs;
        registryReads.push({ name: args.inputs.name, provider: args.provider });
        const digest = served[args.inputs.name];
        if (!digest) throw new Error(`manifest unknown: ${args.inputs.name}`);
        return { ...args.inputs, sha256Digest: digest };
      },
    },
    'agent-hive',
    stack,
    false,
  );
  recordResourceOptions(resources);
  pulumi.runtime.setAllConfig(
    config,
    Object.keys(config).filter((k) => /(ApiKey|Password|gatewayTokens|databaseUrl|Token)$/.test(k)),
  );
  vi.resetModules();
  const program = await failuresRejected(async () => {
    const exports = (await import('../../infra/pulumi/main.js')) as Record<string, unknown>;
    let count = -1;
    await waitFor(
      async () => {
        await new Promise((r) => setTimeout(r, 100));
        const settled = resources.length + registryReads.length === count;
        count = resources.length + registryReads.length;
        return settled;
      },
      20_000,
      'resource registration and registry reads to settle',
    );
    return exports;
  });
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(program)) outputs[name] = await resolveOutputs(value);
  return { resources, outputs, registryReads };
}

/** The digests a record says were pushed, by tag reference; none when there is no readable record. */
function recordedDigests(file: string | undefined): Record<string, string> {
  if (!file || !existsSync(file)) return {};
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as PushedImagesRecord;
    return Object.fromEntries(Object.entries(record.images).map(([image, { tag, digest }]) => [imageReference(record.registry, image as 'base', tag), digest]));
  } catch {
    return {};
  }
}

/**
 * Runs `run`, rejecting with the first error the program left unhandled. An
 * error thrown inside an output reaches the engine as an unhandled rejection:
 * the CLI reports it as the update's failure, vitest would count it against the whole run.
 */
async function failuresRejected<T>(run: () => Promise<T>): Promise<T> {
  const others = process.listeners('unhandledRejection');
  const failures: unknown[] = [];
  const collect = (reason: unknown) => void failures.push(reason);
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', collect);
  try {
    const result = await run();
    if (failures.length > 0) throw failures[0];
    return result;
  } finally {
    process.off('unhandledRejection', collect);
    for (const listener of others) process.on('unhandledRejection', listener);
  }
}

async function resolveOutputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) return new Promise((resolve) => value.apply(resolve));
  if (value && typeof value === 'object') {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)])));
  }
  return value;
}

/** Wraps the mock monitor so each registration also records the options sent with it. */
function recordResourceOptions(resources: Registered[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: RegisterRequest, callback: unknown) => unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const result = register(req, callback);
    void Promise.resolve(result).then(() => {
      const resource = resources.find((r) => r.type === req.getType() && r.name === req.getName());
      if (resource) Object.assign(resource, { protect: req.getProtect(), retainOnDelete: req.getRetainondelete() });
    });
    return result;
  };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
}
