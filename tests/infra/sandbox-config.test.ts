import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InvalidEnvironmentError } from '../../infra/environment/invalid-environment-error';
import { ENVIRONMENT_CONFIG_KEY, parseEnvironment } from '../../infra/environment/parse-environment';
import { REPO_ROOT } from '../support/repo';

const raw = (stack: string) => structuredClone(parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), 'utf8')).config[ENVIRONMENT_CONFIG_KEY]);

function rejection(stack: string, mutate: (raw: any) => void): string {
  const config = raw(stack);
  mutate(config);
  try {
    parseEnvironment(stack, config);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
}

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('the sandbox config', () => {
  it.each([
    ['staging', 'meta among the roles', (r: any) => (r.sandbox.roles = ['developer', 'meta']), 'agent-hive:environment.sandbox.roles: must not include meta: the coordinator runs no code'],
    ['staging', 'a role that does not exist', (r: any) => (r.sandbox.roles = ['tester']), "agent-hive:environment.sandbox.roles.0: Invalid enum value. Expected 'architect' | 'developer' | 'qa' | 'meta', received 'tester'"],
    ['staging', 'a role twice', (r: any) => (r.sandbox.roles = ['qa', 'qa']), 'agent-hive:environment.sandbox.roles: must not repeat a role, got qa twice'],
    ['staging', 'an image by tag', (r: any) => (r.sandbox.image = 'registry.example.com/toolchain:1.2'), 'agent-hive:environment.sandbox.image: must name the image by digest (<repository>@sha256:<64 hex digits>)'],
    ['staging', 'missing resources', (r: any) => delete r.sandbox.resources, 'agent-hive:environment.sandbox.resources: Required'],
    [
      'staging',
      'a memory limit above the LimitRange maximum',
      (r: any) => (r.sandbox.resources.memoryLimit = '8Gi'),
      "agent-hive:environment.sandbox.resources.memoryLimit: must be <= 4Gi, the namespace LimitRange's maximum per container, got 8Gi",
    ],
    ['staging', 'an unknown key (a typo)', (r: any) => (r.sandbox.role = ['qa']), "agent-hive:environment.sandbox: Unrecognized key(s) in object: 'role'"],
    ['staging', 'a git host without CIDR under egress cidr', (r: any) => (r.sandbox.gitHost = { fqdn: 'git.example.com' }), 'agent-hive:environment.sandbox.gitHost.cidr: must be set: egress is cidr, which allows the git host by CIDR'],
    ['prod', 'a git host without FQDN under egress cilium-fqdn', (r: any) => (r.sandbox.gitHost = { cidr: '10.1.0.0/16' }), 'agent-hive:environment.sandbox.gitHost.fqdn: must be set: the git tokens go to this host only (HIVE_GIT_HOST)'],
    [
      'staging',
      'a git host by CIDR alone under egress cidr',
      (r: any) => delete r.sandbox.gitHost.fqdn,
      'agent-hive:environment.sandbox.gitHost.fqdn: must be set: the git tokens go to this host only (HIVE_GIT_HOST), also with egress cidr',
    ],
    ['staging', 'a command timeout the runtime refuses (over 6 h)', (r: any) => Object.assign(r.sandbox.limits, { maxCommandSeconds: 86_400, commandTimeoutSeconds: 86_400 }), 'agent-hive:environment.sandbox.limits.commandTimeoutSeconds: Number must be less than or equal to 21600'],
    ['staging', 'a patch limit the runtime refuses (under 1 KiB)', (r: any) => (r.sandbox.limits.maxPatchBytes = 100), 'agent-hive:environment.sandbox.limits.maxPatchBytes: Number must be greater than or equal to 1024'],
    ['prod', 'a git host that is a URL', (r: any) => (r.sandbox.gitHost.fqdn = 'https://github.com'), 'agent-hive:environment.sandbox.gitHost.fqdn: must be a hostname such as github.com'],
    ['staging', 'a git CIDR without prefix length', (r: any) => (r.sandbox.gitHost.cidr = '10.30.4.7'), "agent-hive:environment.sandbox.gitHost.cidr: must be a CIDR such as '10.30.4.0/24'"],
    ['staging', 'a workspace size without unit', (r: any) => (r.sandbox.workspaceSize = '4'), 'agent-hive:environment.sandbox.workspaceSize: must be a memory quantity'],
    ['staging', 'a command limit of 0', (r: any) => (r.sandbox.limits.maxCommands = 0), 'agent-hive:environment.sandbox.limits.maxCommands: Number must be greater than 0'],
    [
      'staging',
      'a per-command timeout above the total',
      (r: any) => Object.assign(r.sandbox.limits, { maxCommandSeconds: 100, commandTimeoutSeconds: 300 }),
      'agent-hive:environment.sandbox.limits.commandTimeoutSeconds: must be <= maxCommandSeconds (100), got 300',
    ],
  ])('%s: rejects %s with a message naming the key and the reason', (stack, _what, mutate, message) => {
    expect(rejection(stack, mutate)).toContain(message);
  });

  it('defaults to developer and qa, the runtime’s own limits and HTTPS to the git host', () => {
    const config = raw('staging');
    delete config.sandbox.roles;
    delete config.sandbox.limits;
    delete config.sandbox.gitHost.port;
    const { sandbox } = parseEnvironment('staging', config);
    expect(sandbox?.roles).toEqual(['developer', 'qa']);
    expect(sandbox?.limits).toEqual({});
    expect(sandbox?.gitHost?.port).toBe(443);
    expect(sandbox?.workspaceSize).toBe('4Gi');
    expect(sandbox?.image).toBeUndefined();
  });

  it('accepts an own toolchain image by digest, no role at all, and no sandbox at all', () => {
    const own = raw('prod');
    own.sandbox.image = `registry.example.com/team/toolchain@${DIGEST}`;
    expect(parseEnvironment('prod', own).sandbox?.image).toBe(`registry.example.com/team/toolchain@${DIGEST}`);
    const none = raw('prod');
    none.sandbox.roles = [];
    expect(parseEnvironment('prod', none).sandbox?.roles).toEqual([]);
    const absent = raw('staging');
    delete absent.sandbox;
    expect(parseEnvironment('staging', absent).sandbox).toBeUndefined();
  });

  it('reports every problem at once', () => {
    const message = rejection('staging', (r) => {
      r.sandbox.roles = ['meta'];
      r.sandbox.image = 'toolchain:latest';
    });
    expect(message).toContain('sandbox.roles');
    expect(message).toContain('sandbox.image');
  });
});
