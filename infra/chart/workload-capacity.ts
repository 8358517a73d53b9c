import { Environment, ResourceSpec } from '../environment/environment-schema';
import { allTracks } from '../environment/role-tracks';
import { NamespaceQuota } from '../constructs/namespace/hive-namespace';
import { mebibytes, millicores } from '../constructs/workload/quantities';

/**
 * The quota that admits every track of every role and the gateway at their max
 * replicas during a rollout (the one pod a rolling update adds), a track at
 * zero with none, meta, the bridge, plus the in-cluster data plane and 10 % headroom for
 * debugging pods.
 */
export function namespaceQuota(env: Environment): NamespaceQuota {
  const workloads: Array<{ pods: number; resources: ResourceSpec }> = allTracks(env).map((track) => ({
    pods: track.scaledToZero ? 0 : track.maxReplicas + 1,
    resources: track.resources,
  }));
  workloads.push({ pods: 1, resources: env.roles.meta.resources });
  workloads.push({ pods: env.gateway.maxReplicas + 1, resources: env.gateway.resources });
  // The bridge is replaced, not surged (Recreate).
  if (env.legacy?.bridge) workloads.push({ pods: env.legacy.bridge.replicas, resources: env.legacy.bridge.resources });
  for (const store of [env.redis, env.postgres]) {
    if (store.mode === 'in-cluster') workloads.push({ pods: 1, resources: store.resources });
  }
  const total = (of: (r: ResourceSpec) => number) => Math.ceil(1.1 * workloads.reduce((sum, w) => sum + w.pods * of(w.resources), 0));
  return {
    pods: Math.ceil(1.1 * workloads.reduce((sum, w) => sum + w.pods, 0)),
    cpuRequestsMillicores: total((r) => millicores(r.cpuRequest)),
    memoryRequestsMi: total((r) => mebibytes(r.memoryRequest)),
    memoryLimitsMi: total((r) => mebibytes(r.memoryLimit)),
  };
}
