import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram, stackConfig } from './pulumi-harness';

const SECRETS = { anthropicApiKey: 'sk-ant-x', redisPassword: 'r', postgresPassword: 'p' };

describe('the Pulumi program rejects bad stack config', () => {
  it('names the key and the reason of an invalid environment', async () => {
    const config = stackConfig('staging', SECRETS);
    const env = JSON.parse(config['agent-hive:environment']);
    env.roles.qa.minReplicas = 7;
    config['agent-hive:environment'] = JSON.stringify(env);
    await expect(runProgram('staging', config)).rejects.toThrow('agent-hive:environment.roles.qa.minReplicas: must be <= maxReplicas (3), got 7');
  });

  it('stops on a missing secret, naming its config key', async () => {
    const { anthropicApiKey: _omitted, ...rest } = SECRETS;
    await expect(runProgram('prod', stackConfig('prod', rest))).rejects.toThrow(/agent-hive:anthropicApiKey/);
  });

  it('requires the PostgreSQL password only where PostgreSQL runs in the cluster', async () => {
    const { postgresPassword: _omitted, ...rest } = SECRETS;
    await expect(runProgram('staging', stackConfig('staging', rest))).rejects.toThrow(/agent-hive:postgresPassword/);
    await expect(runProgram('prod', stackConfig('prod', rest))).resolves.toBeDefined();
  });

  it('stops when the kube context is missing', async () => {
    const config = stackConfig('prod', SECRETS);
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
