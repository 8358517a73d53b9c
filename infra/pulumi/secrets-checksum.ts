import { createHmac } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';

/** Pod-template annotation digesting the Secrets a workload reads: rotating one rolls its readers. */
export const SECRETS_CHECKSUM_ANNOTATION = 'agent-hive/secrets-checksum';

/** Kinds whose pod templates the transformation annotates. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet']);

interface KubeContainer {
  env?: Array<{ valueFrom?: { secretKeyRef?: { name: string } } }>;
  envFrom?: Array<{ secretRef?: { name: string } }>;
}

interface KubePodSpec {
  containers?: KubeContainer[];
  initContainers?: KubeContainer[];
  volumes?: Array<{ secret?: { secretName?: string }; projected?: { sources?: Array<{ secret?: { name?: string } }> } }>;
}

interface KubeWorkload {
  kind: string;
  spec?: { template?: { metadata?: { annotations?: Record<string, pulumi.Input<string>> }; spec?: KubePodSpec } };
}

/**
 * A ConfigGroup transformation. Kubernetes sets a pod's env from Secrets at
 * start only, and a process may read a mounted Secret only at start too (the
 * gateway's tokens), so a rotated key, password or token would not reach running pods:
 * every Deployment and StatefulSet that reads a Secret gets an annotation
 * digesting the values of exactly the Secrets it reads, and rotating one rolls
 * its readers and nothing else.
 *
 * The digest is an HMAC keyed with a high-entropy secret (the API key): anyone
 * who can read the pod (or the stack's state) sees the annotation, but cannot
 * test a guessed password against it without that key. So it is unmarked as a
 * secret: a secret anywhere in a pod template would make Pulumi hide the whole
 * spec from every preview's diff. The price: rotating the key rolls every
 * workload that reads any Secret.
 *
 * @param values secret value by Secret name
 * @param hmacKey the key of the digests
 */
export function secretsChecksum(values: Readonly<Record<string, pulumi.Output<string>>>, hmacKey: pulumi.Output<string>): (object: KubeWorkload) => void {
  const names = Object.keys(values).sort();
  const all = pulumi.all([hmacKey, ...names.map((name) => values[name])]);
  return (object) => {
    const template = object.spec?.template;
    if (!WORKLOADS.has(object.kind) || !template) return;
    const read = secretsReadBy(template.spec ?? {});
    if (read.length === 0) return;
    const checksum = pulumi.unsecret(all).apply(([key, ...secrets]) => {
      const byName = new Map(names.map((name, i) => [name, secrets[i]]));
      return createHmac('sha256', key)
        .update(JSON.stringify(read.map((name) => [name, byName.get(name) ?? ''])))
        .digest('hex');
    });
    template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [SECRETS_CHECKSUM_ANNOTATION]: checksum } };
  };
}

/** Secrets a pod reads: through env (secretKeyRef, envFrom) or as mounted files (secret and projected volumes). */
function secretsReadBy(pod: KubePodSpec): string[] {
  const containers = [...(pod.containers ?? []), ...(pod.initContainers ?? [])];
  const names = [
    ...containers.flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name)),
    ...containers.flatMap((c) => (c.envFrom ?? []).map((e) => e.secretRef?.name)),
    ...(pod.volumes ?? []).flatMap((v) => [v.secret?.secretName, ...(v.projected?.sources ?? []).map((source) => source.secret?.name)]),
  ].filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}
