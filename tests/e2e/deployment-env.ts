import { byKind, KubeObject } from '../support/manifests';

/** A value the manifests take from somewhere the test must supply (a Secret, the downward API). */
export interface EnvSources {
  secret(name: string, key: string): string;
  podName: string;
}

/**
 * The environment a Deployment's agent container gets, resolved the way the
 * kubelet does: envFrom ConfigMaps first, then env (literal values, Secret and
 * field references).
 */
export function deploymentEnv(objects: readonly KubeObject[], deployment: KubeObject, sources: EnvSources): Record<string, string> {
  const container = deployment.spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const configMap = byKind(objects, 'ConfigMap').find((cm) => cm.metadata.name === from.configMapRef?.name);
    if (!configMap) throw new Error(`${deployment.metadata.name}: envFrom names ConfigMap ${from.configMapRef?.name}, which charts-out lacks`);
    Object.assign(env, configMap.data);
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (entry.valueFrom?.secretKeyRef) env[entry.name] = sources.secret(entry.valueFrom.secretKeyRef.name, entry.valueFrom.secretKeyRef.key);
    else if (entry.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[entry.name] = sources.podName;
    else throw new Error(`${deployment.metadata.name}: env ${entry.name} has a source the test cannot resolve`);
  }
  return env;
}

/** The container port a named or numbered port refers to. */
export function containerPort(deployment: KubeObject, port: string | number): number {
  if (typeof port === 'number') return port;
  const found = deployment.spec.template.spec.containers[0].ports.find((p: { name: string }) => p.name === port);
  if (!found) throw new Error(`${deployment.metadata.name}: no container port named '${port}'`);
  return found.containerPort;
}
