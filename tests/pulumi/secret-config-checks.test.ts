import { describe, expect, it } from 'vitest';
import { ClientTokens, createClientToken } from '../../agent-runtime/src/gateway/client-tokens';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { databaseUrlProblem, gatewayTokensProblem } from '../../infra/pulumi/secret-config-checks';
import { REPO_ROOT } from '../support/repo';

const hash = (c: string) => c.repeat(64);

describe('the gateway tokens check', () => {
  it('accepts the line `hive token create` makes', () => {
    expect(gatewayTokensProblem(`${createClientToken('ci-nightly.2').line}\n`)).toBeUndefined();
  });

  // The check stops `pulumi up` before the gateway would refuse the file at start: the two must agree.
  it.each([
    ['one client', `ci ${hash('a')}\n`],
    ['comments, blank lines and tabs', `# ci\n\nci\t${hash('a')}\n  nightly   ${hash('b')}  \n`],
    ['a raw token', 'hive_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n'],
    ['an upper-case hash', `ci ${hash('A')}\n`],
    ['a client name with a slash', `ci/nightly ${hash('a')}\n`],
    ['a third field', `ci ${hash('a')} extra\n`],
    ['only comments', '# nobody yet\n'],
    ['nothing', ''],
  ])('agrees with the gateway on %s', (_what, text) => {
    const gatewayAccepts = (() => {
      try {
        ClientTokens.parse(text);
        return true;
      } catch {
        return false;
      }
    })();
    expect(gatewayTokensProblem(text) === undefined).toBe(gatewayAccepts);
  });

  it('refuses one token for two clients, which the gateway would give the last of them', () => {
    expect(gatewayTokensProblem(`ci ${hash('a')}\nnightly ${hash('a')}\n`)).toBe('line 2 repeats the token of line 1');
  });
});

describe('the database URL check', () => {
  const staging = loadEnvironment(REPO_ROOT, 'staging');
  const prod = loadEnvironment(REPO_ROOT, 'prod');

  it("accepts the environment's PostgreSQL, with the default port or its own", () => {
    expect(databaseUrlProblem('postgres://hive:s3cret@postgres/agent_hive', staging)).toBeUndefined();
    expect(databaseUrlProblem('postgresql://hive:s3cret@postgres.agent-hive-staging.svc.cluster.local:5432/agent_hive', staging)).toBeUndefined();
    expect(databaseUrlProblem('postgres://hive:s3cret@postgres.prod.internal.example.com:5432/agent_hive?sslmode=verify-full', prod)).toBeUndefined();
  });

  it('refuses another host, port or scheme, never repeating the URL', () => {
    for (const [url, env] of [
      ['postgres://hive:s3cret@postgres.prod.internal.example.com/agent_hive', staging],
      ['postgres://hive:s3cret@postgres:6432/agent_hive', staging],
      ['redis://hive:s3cret@postgres:5432/agent_hive', staging],
      ['postgres://hive:s3cret@10.20.1.5:5432/agent_hive', prod],
    ] as const) {
      const problem = databaseUrlProblem(url, env);
      expect(problem, url).toBeDefined();
      expect(problem).not.toContain('s3cret');
    }
  });
});
