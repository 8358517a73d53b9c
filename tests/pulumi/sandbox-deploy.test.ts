import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SECRETS_CHECKSUM_ANNOTATION } from '../../infra/pulumi/secrets-checksum';
import { REPO_ROOT } from '../support/repo';
import { Registered, runProgram, SECRET_SIG, stackConfig, stackSecrets, testedImagesRecord } from './pulumi-harness';

const GIT = { gitToken: 'ghp-git-clone-token-test', gitPushToken: 'ghp-git-push-token-test' };
const deployments = (resources: Registered[]) => resources.filter((r) => r.type === 'kubernetes:apps/v1:Deployment');
const containerOf = (deployment: Registered, name: string) => deployment.inputs.spec.template.spec.containers.find((c: any) => c.name === name);

describe('the Pulumi program with the git tokens', () => {
  for (const stack of ['staging', 'prod']) {
    it(`${stack}: creates the git Secret with both tokens marked secret, and no token appears in plain text in any other resource or output`, async () => {
      const { resources, outputs } = await runProgram(stack, stackConfig(stack, { ...stackSecrets(stack), ...GIT }));
      const git = resources.filter((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.name === 'agent-hive-git');
      expect(git).toHaveLength(1);
      expect(git[0].inputs.stringData[SECRET_SIG.key]).toBe(SECRET_SIG.value);
      expect(git[0].inputs.stringData.value).toEqual({ token: GIT.gitToken, 'push-token': GIT.gitPushToken });
      const elsewhere = JSON.stringify([...resources.filter((r) => r !== git[0]).map((r) => r.inputs), outputs]);
      for (const token of Object.values(GIT)) expect(elsewhere).not.toContain(token);
    });
  }

  it('lets the agent containers of developer and qa (each track) read the tokens, and no sandbox container or other role', async () => {
    const { resources } = await runProgram('staging', stackConfig('staging', { ...stackSecrets('staging'), ...GIT }));
    const readers = deployments(resources).flatMap((d) =>
      d.inputs.spec.template.spec.containers.filter((c: any) => JSON.stringify(c.env ?? []).includes('agent-hive-git')).map((c: any) => `${d.inputs.metadata.name}/${c.name}`),
    );
    expect(readers.sort()).toEqual(['agent-developer-green/agent', 'agent-developer/agent', 'agent-qa/agent']);
  });

  it('rolls exactly the roles with a sandbox when a git token is rotated', async () => {
    const checksums = async (secrets: Record<string, string>) =>
      Object.fromEntries(deployments((await runProgram('staging', stackConfig('staging', secrets))).resources).map((d) => [d.inputs.metadata.name, d.inputs.spec.template.metadata.annotations?.[SECRETS_CHECKSUM_ANNOTATION]]));
    const before = await checksums({ ...stackSecrets('staging'), ...GIT });
    const after = await checksums({ ...stackSecrets('staging'), ...GIT, gitPushToken: 'ghp-rotated-push-token' });
    expect(Object.keys(before).filter((name) => before[name] !== after[name]).sort()).toEqual(['agent-developer', 'agent-developer-green', 'agent-qa']);
  });

  it('creates no git Secret without the tokens: the pods reference its keys as optional', async () => {
    const { resources } = await runProgram('staging', stackConfig('staging', stackSecrets('staging')));
    expect(resources.filter((r) => r.type === 'kubernetes:core/v1:Secret').map((s) => s.inputs.metadata.name)).not.toContain('agent-hive-git');
    const token = containerOf(deployments(resources).find((d) => d.inputs.metadata.name === 'agent-developer')!, 'agent').env.find((e: any) => e.name === 'HIVE_GIT_TOKEN');
    expect(token.valueFrom.secretKeyRef).toEqual({ name: 'agent-hive-git', key: 'token', optional: true });
  });
});

describe('the Pulumi program with an own sandbox image', () => {
  it('runs that image as given (by its digest), never the built one, and reports it among the image references', async () => {
    const own = `registry.example.com/team/toolchain@sha256:${'c'.repeat(64)}`;
    const file = parse(readFileSync(join(REPO_ROOT, 'Pulumi.prod.yaml'), 'utf8')) as { config: Record<string, any> };
    const environment = file.config['agent-hive:environment'];
    const config = { ...stackConfig('prod', stackSecrets('prod')), 'agent-hive:environment': JSON.stringify({ ...environment, sandbox: { ...environment.sandbox, image: own } }) };
    const { resources, outputs } = await runProgram('prod', config);
    const sandboxes = deployments(resources).map((d) => containerOf(d, 'sandbox')).filter(Boolean);
    expect(sandboxes).toHaveLength(2);
    for (const sandbox of sandboxes) expect(sandbox.image).toBe(own);
    expect((outputs.imageReferences as Record<string, string>).sandbox).toBe(own);
    expect(JSON.stringify(deployments(resources).map((d) => d.inputs))).not.toContain(testedImagesRecord('prod').images.sandbox.digest);
  });
});
