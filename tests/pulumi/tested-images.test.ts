import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageReference } from '../../infra/images/image-tags';
import { fakeDigest, runProgram, SECRET_SIG, stackConfig, stackSecrets, testedImagesRecord, writeRecord } from './pulumi-harness';

const FIX = 'run `npm run images -- --stack staging --push`: pulumi up deploys only the images a passing run of it recorded';
const TESTED = testedImagesRecord('staging');

/** Where `deploy` writes the record it is given. */
const CHANGED = 'changed.json';

/** The staging program's run with `record` as its record of tested images, and the registry serving `registry` over what the record says. */
function deploy(record: unknown, registry: Record<string, string> = {}) {
  const config = { ...stackConfig('staging', stackSecrets('staging')), 'agent-hive:imagesRecord': writeRecord(CHANGED, record) };
  return runProgram('staging', config, registry);
}

describe('the Pulumi program deploys only tested images', () => {
  it('refuses without a record, naming where it looked and the fix', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'hive-no-record-')), 'pushed.json');
    const config = { ...stackConfig('staging', stackSecrets('staging')), 'agent-hive:imagesRecord': missing };
    await expect(runProgram('staging', config)).rejects.toThrow(`Cannot deploy: there is no record of tested images at ${missing}; ${FIX}`);
  });

  it("refuses a record of a push to another registry than the stack's", async () => {
    await expect(deploy({ ...TESTED, registry: 'registry.elsewhere.example.com/hive' })).rejects.toThrow(
      `records a push to registry.elsewhere.example.com/hive, not to this stack's registry ${TESTED.registry}; ${FIX}`,
    );
  });

  it('refuses a record that does not say every smoke test passed', async () => {
    const { smokeTests: _omitted, ...unmarked } = TESTED;
    await expect(deploy(unmarked)).rejects.toThrow(/is not a record of tested images: smokeTests: must be "passed": it is written only once every smoke test passed; run `npm run images/);
    await expect(deploy({ ...TESTED, smokeTests: 'failed' })).rejects.toThrow('smokeTests: must be "passed"');
  });

  it('refuses an image tested under another tag than this tree builds: the runtime changed since', async () => {
    const stale = { ...TESTED, images: { ...TESTED.images, qa: { ...TESTED.images.qa, tag: 'ctx-00000000000000000000' } } };
    await expect(deploy(stale)).rejects.toThrow(
      `Cannot deploy agent-qa: ${writeRecord(CHANGED, stale)} holds ctx-00000000000000000000, but this tree builds ${TESTED.images.qa.tag}: the runtime changed since it was tested; ${FIX}`,
    );
  });

  it('refuses a record that lacks an image', async () => {
    const { meta: _omitted, ...images } = TESTED.images;
    await expect(deploy({ ...TESTED, images })).rejects.toThrow(`Cannot deploy agent-meta: ${writeRecord(CHANGED, { ...TESTED, images })} has no such image; ${FIX}`);
  });

  it('refuses an image whose tag the registry now resolves to another digest than the tested one', async () => {
    const tagged = imageReference(TESTED.registry, 'developer', TESTED.images.developer.tag);
    const pushedOver = fakeDigest('pushed over');
    await expect(deploy(TESTED, { [tagged]: pushedOver })).rejects.toThrow(
      `Cannot deploy agent-developer: ${tagged} now points at ${pushedOver}, not at the tested ${TESTED.images.developer.digest}: the tag moved since it was tested; ${FIX}`,
    );
  });

  it('checks images built on another Node base against the tags of that base, and deploys them', async () => {
    const local = testedImagesRecord('staging', `localhost/agent-hive/node@${fakeDigest('local base')}`);
    expect(local.images.qa.tag).not.toBe(TESTED.images.qa.tag);
    const { outputs } = await deploy(local);
    expect((outputs.imageReferences as Record<string, string>).qa).toBe(`${TESTED.registry}/agent-qa@${local.images.qa.digest}`);
    await expect(deploy({ ...local, nodeImage: TESTED.nodeImage })).rejects.toThrow('Cannot deploy agent-base');
  });

  it('reads a private registry through a provider holding the configured credentials, the password kept secret', async () => {
    const config = {
      ...stackConfig('staging', { ...stackSecrets('staging'), registryPassword: 'registry-pass-test' }),
      'agent-hive:registryUsername': 'ci-bot',
    };
    const { resources, registryReads } = await runProgram('staging', config);
    const provider = resources.find((r) => r.type === 'pulumi:providers:docker')!;
    // A provider's config reaches the engine as JSON, here a secret for the password in it.
    expect(provider.inputs.registryAuth[SECRET_SIG.key]).toBe(SECRET_SIG.value);
    expect(JSON.parse(provider.inputs.registryAuth.value)).toEqual([{ address: TESTED.registry.split('/')[0], username: 'ci-bot', password: 'registry-pass-test' }]);
    expect(registryReads).toHaveLength(Object.keys(TESTED.images).length);
    for (const read of registryReads) expect(read.provider, read.name).toContain(`::${provider.name}-id`);
  });
});
