import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../agent-runtime/src/config/runtime-config';
import { SANDBOX_LIMIT_BOUNDS } from '../../agent-runtime/src/contract';
import { AGENT_SANDBOX_ENV } from '../../infra/constructs/agents/sandbox-sidecar';
import { ENVIRONMENT_CONFIG_KEY, parseEnvironment } from '../../infra/environment/parse-environment';
import { AgentProcess } from '../support/agent-process';
import { REPO_ROOT } from '../support/repo';

const VALID = {
  HIVE_ROLE: 'developer',
  POD_NAME: 'agent-developer-1',
  REDIS_URL: 'redis://redis:6379',
  ANTHROPIC_API_KEY: 'sk-ant-secret-value',
  ANTHROPIC_MODEL: 'claude-sonnet-4-5',
};

describe('runtime configuration', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(VALID)).toMatchObject({
      role: 'developer',
      consumer: 'agent-developer-1',
      workspaceDir: '/app/workspace',
      healthPort: 8080,
      metricsPort: 9090,
      concurrency: 1,
      claimIdleMs: 60_000,
      maxDeliveries: 5,
      shutdownGraceMs: 30_000,
    });
  });

  it.each([
    [{ HIVE_ROLE: undefined }, 'Expected `HIVE_ROLE` to be set'],
    [{ HIVE_ROLE: 'wizard' }, 'Expected `HIVE_ROLE` to be one of architect, developer, qa, meta, got `wizard`'],
    [{ POD_NAME: '' }, 'Expected `POD_NAME` to be set'],
    [{ REDIS_URL: 'http://redis:6379' }, 'Expected `REDIS_URL` to use redis: or rediss:, got `http:`'],
    [{ REDIS_URL: 'not a url' }, 'Expected `REDIS_URL` to be a URL, got `not a url`'],
    [{ ANTHROPIC_API_KEY: undefined }, 'Expected `ANTHROPIC_API_KEY` to be set'],
    [{ ANTHROPIC_MODEL: ' ' }, 'Expected `ANTHROPIC_MODEL` to be set'],
    [{ HIVE_CONCURRENCY: '-3' }, 'Expected `HIVE_CONCURRENCY` to be an integer from 1 to 64, got `-3`'],
    [{ HIVE_CONCURRENCY: '2.5' }, 'Expected `HIVE_CONCURRENCY` to be an integer from 1 to 64, got `2.5`'],
    [{ HIVE_CLAIM_IDLE_MS: 'soon' }, 'Expected `HIVE_CLAIM_IDLE_MS` to be an integer from 100'],
    [{ HIVE_METRICS_PORT: '8080' }, 'Expected `HIVE_HEALTH_PORT` and `HIVE_METRICS_PORT` to differ, both are 8080'],
    [{ HIVE_WORKSPACE_DIR: 'relative/dir' }, 'Expected `HIVE_WORKSPACE_DIR` to be an absolute path'],
    [{ HIVE_SANDBOX_SOCKET: '/run/hive-sandbox/sandbox.sock', HIVE_CONCURRENCY: '2' }, 'Expected `HIVE_CONCURRENCY` to be 1 with `HIVE_SANDBOX_SOCKET` set (one task per sandbox), got `2`'],
    [{ HIVE_GIT_HOST: 'https://github.com' }, 'Expected `HIVE_GIT_HOST` to be host[:port] of the git host, such as github.com or git.internal:8443, got `https://github.com`'],
  ])('rejects %o with a message naming the variable', (override, message) => {
    expect(() => loadConfig({ ...VALID, ...override })).toThrow(message);
  });

  it('takes one task at a time with a sandbox, and the git host in lower case', () => {
    expect(loadConfig({ ...VALID, HIVE_SANDBOX_SOCKET: '/run/hive-sandbox/sandbox.sock', HIVE_CONCURRENCY: '1' }).concurrency).toBe(1);
    expect(loadConfig({ ...VALID, HIVE_GIT_HOST: 'Git.Example.com:8443' }).gitHost).toBe('git.example.com:8443');
  });

  it('starts with every sandbox limit the environment schema accepts, at both ends of its range, and both refuse one beyond', () => {
    const staging = () => structuredClone(parse(readFileSync(join(REPO_ROOT, 'Pulumi.staging.yaml'), 'utf8')).config[ENVIRONMENT_CONFIG_KEY]);
    const names = Object.keys(SANDBOX_LIMIT_BOUNDS) as Array<keyof typeof SANDBOX_LIMIT_BOUNDS>;
    const schemaLimits = (pick: (bounds: { min: number; max: number }) => number) => {
      const raw = staging();
      raw.sandbox.limits = Object.fromEntries(names.map((name) => [name, pick(SANDBOX_LIMIT_BOUNDS[name])]));
      return parseEnvironment('staging', raw).sandbox!.limits;
    };
    for (const pick of [(b: { min: number }) => b.min, (b: { max: number }) => b.max]) {
      const limits = schemaLimits(pick);
      const env = Object.fromEntries(Object.entries(limits).map(([name, value]) => [AGENT_SANDBOX_ENV[name as keyof typeof limits], String(value)]));
      expect(loadConfig({ ...VALID, ...env }).commandLimits).toEqual(limits);
    }
    for (const name of names) {
      for (const beyond of [SANDBOX_LIMIT_BOUNDS[name].min - 1, SANDBOX_LIMIT_BOUNDS[name].max + 1]) {
        const raw = staging();
        raw.sandbox.limits = { [name]: beyond };
        expect(() => parseEnvironment('staging', raw), `${name} ${beyond}`).toThrow(`sandbox.limits.${name}`);
        expect(() => loadConfig({ ...VALID, [AGENT_SANDBOX_ENV[name]]: String(beyond) })).toThrow(AGENT_SANDBOX_ENV[name]);
      }
    }
  });

  it('hides a password in REDIS_URL from its messages', () => {
    expect(() => loadConfig({ ...VALID, REDIS_URL: 'ftp://user:hunter2@redis' })).toThrow('Expected `REDIS_URL` to use redis: or rediss:, got `ftp:`');
    expect(() => loadConfig({ ...VALID, REDIS_URL: 'redis://user:hunter2@[bad' })).toThrow('Expected `REDIS_URL` to be a URL, got `redis://user:***@[bad`');
  });

  it('makes the entry point exit non-zero with one clear line before connecting anywhere', async () => {
    const agent = await AgentProcess.start({ ...VALID, REDIS_URL: 'redis://127.0.0.1:1', HIVE_CONCURRENCY: '0' });
    const exit = await agent.exited;
    expect(exit.code).toBe(1);
    expect(agent.stderr).toBe('agent-runtime: invalid configuration: Expected `HIVE_CONCURRENCY` to be an integer from 1 to 64, got `0`\n');
    expect(agent.logs).toEqual([]);
  });

  it('never puts the API key in its error messages', async () => {
    const agent = await AgentProcess.start({ ...VALID, HIVE_MAX_TOKENS: 'many' });
    expect((await agent.exited).code).toBe(1);
    expect(agent.stderr).toContain('HIVE_MAX_TOKENS');
    expect(agent.stderr).not.toContain('sk-ant-secret-value');
  });
});
