import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { SECRETS_CHECKSUM_ANNOTATION, secretsChecksum } from '../../infra/pulumi/secrets-checksum';

/** A Deployment whose pod reads its Secret in the given way. */
function reader(spec: object) {
  return { kind: 'Deployment', spec: { template: { spec } } } as Parameters<ReturnType<typeof secretsChecksum>>[0];
}

function checksumOf(workload: ReturnType<typeof reader>, value: string): Promise<string | undefined> {
  secretsChecksum({ app: pulumi.secret(value) }, pulumi.secret('key'))(workload);
  const annotation = workload.spec?.template?.metadata?.annotations?.[SECRETS_CHECKSUM_ANNOTATION];
  return annotation === undefined ? Promise.resolve(undefined) : new Promise((resolve) => pulumi.output(annotation).apply((v) => resolve(v)));
}

describe('the secrets checksum', () => {
  it.each([
    ['env secretKeyRef', { containers: [{ env: [{ valueFrom: { secretKeyRef: { name: 'app' } } }] }] }],
    ['envFrom secretRef', { containers: [{ envFrom: [{ secretRef: { name: 'app' } }] }] }],
    ['a secret volume', { containers: [{}], volumes: [{ secret: { secretName: 'app' } }] }],
    ['a projected volume', { containers: [{}], volumes: [{ projected: { sources: [{ secret: { name: 'app' } }] } }] }],
  ])('changes when a Secret read through %s changes', async (_, spec) => {
    const before = await checksumOf(reader(spec), 'one');
    const after = await checksumOf(reader(spec), 'two');
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });

  it('leaves a pod that reads no Secret alone', async () => {
    expect(await checksumOf(reader({ containers: [{ env: [{ name: 'A', value: 'b' }] }] }), 'one')).toBeUndefined();
  });
});
