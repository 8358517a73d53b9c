import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { vi } from 'vitest';
import { parse } from 'yaml';
import { waitFor } from '../support/agent-process';
import { REPO_ROOT } from '../support/repo';

/** A resource the program registered, as the mocks saw it. */
export interface Registered {
  type: string;
  name: string;
  inputs: any;
  /** What the (mock) provider answered: the inputs, plus `repoDigest` for an image. */
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

/** The config of `Pulumi.<stack>.yaml` as `pulumi.Config` sees it, plus secrets the way `config set --secret` adds them. */
export function stackConfig(stack: string, secrets: Record<string, string>): Record<string, string> {
  const file = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
  const config = Object.fromEntries(Object.entries(file.config).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
  return { ...config, ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`agent-hive:${k}`, v])) };
}

/**
 * Runs the real program (infra/pulumi/main.ts) under Pulumi's runtime mocks
 * with the given config, and returns what it registered and exported once
 * registration has settled. There is no Pulumi CLI or cluster here.
 */
export async function runProgram(stack: string, config: Record<string, string>): Promise<{ resources: Registered[]; outputs: Record<string, unknown> }> {
  const resources: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state = args.type === 'docker:index/image:Image' ? pushed(args.inputs) : args.inputs;
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, state });
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    'agent-hive',
    stack,
    false,
  );
  recordResourceOptions(resources);
  pulumi.runtime.setAllConfig(
    config,
    Object.keys(config).filter((k) => /(ApiKey|Password|gatewayTokens|databaseUrl)$/.test(k)),
  );
  vi.resetModules();
  const program = (await import('../../infra/pulumi/main.js')) as Record<string, unknown>;
  let count = -1;
  await waitFor(
    async () => {
      await new Promise((r) => setTimeout(r, 100));
      const settled = resources.length === count;
      count = resources.length;
      return settled;
    },
    20_000,
    'resource registration to settle',
  );
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(program)) outputs[name] = await resolveOutputs(value);
  return { resources, outputs };
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

/** What the Docker provider reports after a push: the repository by the manifest's digest. */
function pushed(inputs: { imageName: string }): Record<string, unknown> {
  const repository = inputs.imageName.slice(0, inputs.imageName.lastIndexOf(':'));
  return { ...inputs, repoDigest: `${repository}@sha256:${createHash('sha256').update(inputs.imageName).digest('hex')}` };
}

