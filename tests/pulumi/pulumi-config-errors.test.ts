import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram, stackConfig, stackSecrets } from './pulumi-harness';

const SECRETS = stackSecrets('staging');

/** The program's error for a stack whose secret config has `changes`; the secrets' values must not be in it. */
async function secretConfigError(stack: string, changes: Record<string, string | undefined>): Promise<string> {
  const secrets = Object.fromEntries(Object.entries({ ...stackSecrets(stack), ...changes }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const error = await runProgram(stack, stackConfig(stack, secrets)).then(
    () => undefined,
    (e: Error) => e,
  );
  if (!error) throw new Error('the program accepted the config');
  for (const value of Object.values(secrets).filter((v) => v.trim() !== '')) expect(error.message).not.toContain(value.trim());
  return error.message;
}

describe('the Pulumi program rejects bad stack config', () => {
  it('names the key and the reason of an invalid environment', async () => {
    const config = stackConfig('staging', SECRETS);
    const env = JSON.parse(config['agent-hive:environment']);
    env.roles.qa.minReplicas = 7;
    config['agent-hive:environment'] = JSON.stringify(env);
    await expect(runProgram('staging', config)).rejects.toThrow('agent-hive:environment.roles.qa.minReplicas: must be <= maxReplicas (6), got 7');
  });

  it('stops on a missing secret, naming its config key', async () => {
    const { anthropicApiKey: _omitted, ...rest } = stackSecrets('prod');
    await expect(runProgram('prod', stackConfig('prod', rest))).rejects.toThrow(/agent-hive:anthropicApiKey/);
  });

  it('requires the PostgreSQL password only where PostgreSQL runs in the cluster', async () => {
    const { postgresPassword: _omitted, ...rest } = SECRETS;
    await expect(runProgram('staging', stackConfig('staging', rest))).rejects.toThrow(/agent-hive:postgresPassword/);
    const { postgresPassword: _omittedToo, ...prodRest } = stackSecrets('prod');
    await expect(runProgram('prod', stackConfig('prod', prodRest))).resolves.toBeDefined();
  });

  it.each(['gatewayTokens', 'databaseUrl'])('stops on a missing %s, telling how to set it as a secret', async (key) => {
    const message = await secretConfigError('prod', { [key]: undefined });
    expect(message).toContain(`agent-hive:${key}`);
    expect(message).toContain('--secret');
  });

  it.each([
    ['a token stored instead of its line', { gatewayTokens: 'hive_tok_0123456789abcdef' }, "agent-hive:gatewayTokens line 1 is not '<client> <sha256 hex>'"],
    ['no client at all', { gatewayTokens: '\n\n' }, 'agent-hive:gatewayTokens has no client'],
    ['a client name the gateway refuses', { gatewayTokens: `# CI\nci/nightly ${'a'.repeat(64)}\n` }, "agent-hive:gatewayTokens line 2 is not '<client> <sha256 hex>'"],
    ['one token for two clients', { gatewayTokens: `ci ${'a'.repeat(64)}\nnightly ${'a'.repeat(64)}\n` }, 'agent-hive:gatewayTokens line 2 repeats the token of line 1'],
    ['a database URL in libpq key=value form', { databaseUrl: 'host=postgres user=hive password=secret dbname=agent_hive' }, 'agent-hive:databaseUrl is not a URL'],
    ['a database URL of another scheme', { databaseUrl: 'mysql://hive:secret@postgres:5432/agent_hive' }, 'agent-hive:databaseUrl must use postgres: or postgresql:'],
    [
      'a database URL on a host the NetworkPolicy does not allow',
      { databaseUrl: 'postgres://hive:secret@db.elsewhere.example.com:5432/agent_hive' },
      "agent-hive:databaseUrl must point at the environment's PostgreSQL, postgres.prod.internal.example.com",
    ],
    ['a database URL on another port', { databaseUrl: 'postgres://hive:secret@postgres.prod.internal.example.com:6432/agent_hive' }, 'agent-hive:databaseUrl must use port 5432'],
  ])('stops on %s, naming the key and the problem but not the value', async (_what, changes, message) => {
    expect(await secretConfigError('prod', changes)).toContain(message);
  });

  it('accepts comments, blank lines and two tokens of one client (while one replaces the other) in the tokens file', async () => {
    const gatewayTokens = `# CI, rotated on 2025-01-01\nci ${'a'.repeat(64)}\n\nci\t${'b'.repeat(64)}\n`;
    await expect(runProgram('staging', stackConfig('staging', { ...SECRETS, gatewayTokens }))).resolves.toBeDefined();
  });

  it("accepts the in-cluster PostgreSQL by any of its Service's names", async () => {
    for (const host of ['postgres', 'postgres.agent-hive-staging.svc', 'postgres.agent-hive-staging.svc.cluster.local']) {
      const config = stackConfig('staging', { ...SECRETS, databaseUrl: `postgresql://hive:secret@${host}/agent_hive` });
      await expect(runProgram('staging', config), host).resolves.toBeDefined();
    }
  });

  it('stops when the kube context is missing', async () => {
    const config = stackConfig('prod', stackSecrets('prod'));
    delete config['agent-hive:kubeContext'];
    await expect(runProgram('prod', config)).rejects.toThrow(/agent-hive:kubeContext/);
  });

  it('refuses to render to a directory, which would write the Secrets in plain text, before anything is registered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hive-render-'));
    const config = { ...stackConfig('staging', SECRETS), 'agent-hive:renderYamlToDirectory': dir };
    await expect(runProgram('staging', config)).rejects.toThrow(
      "agent-hive:renderYamlToDirectory is refused: the Kubernetes provider would write the Secrets' values to that directory in plain text",
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
