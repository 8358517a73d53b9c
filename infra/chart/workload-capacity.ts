import { Environment, ResourceSpec } from '../environment/environment-schema';
import { allTracks } from '../environment/role-tracks';
import { hasSandbox } from '../environment/sandbox-roles';
import { NamespaceQuota } from '../constructs/namespace/hive-namespace';
import { mebibytes, millicores } from '../constructs/workload/quantities';

/**
 * The quota that admits every track of every role (with its sandbox sidecar, if
 * it has one) and the gateway at their max replicas during a rollout (the one pod
 * a rolling update adds), a track at zero with none, meta, the bridge, plus the
 * in-cluster data plane and 10 % headroom for debugging pods.
 */
export function namespaceQuota(env: Environment): NamespaceQuota {
  // Per workload, the resources of each container of its pods: an agent with a sandbox has two.
  const workloads: Array<{ pods: number; containers: ResourceSpec[] }> = allTracks(env).map((track) => ({
    pods: track.scaledToZero ? 0 : track.maxReplicas + 1,
    containers: [track.resources, ...(env.sandbox && hasSandbox(env, track.role) ? [env.sandbox.resources] : [])],
  }));
  workloads.push({ pods: 1, containers: [env.roles.meta.resources] });
  workloads.push({ pods: env.gateway.maxReplicas + 1, containers: [env.gateway.resources] });
  // The bridge is replaced, not surged (Recreate).
  if (env.legacy?.bridge) workloads.push({ pods: env.legacy.bridge.replicas, containers: [env.legacy.bridge.resources] });
  for (const store of [env.redis, env.postgres]) {
    if (store.mode === 'in-cluster') workloads.push({ pods: 1, containers: [store.resources] });
  }
  const total = (of: (r: ResourceSpec) => number) =>
    Math.ceil(1.1 * workloads.reduce((sum, w) => sum + w.pods * w.containers.reduce((pod, c) => pod + of(c), 0), 0));
  return {
    pods: Math.ceil(1.1 * workloads.reduce((sum, w) => sum + w.pods, 0)),
    cpuRequestsMillicores: total((r) => millicores(r.cpuRequest)),
    memoryRequestsMi: total((r) => mebibytes(r.memoryRequest)),
    memoryLimitsMi: total((r) => mebibytes(r.memoryLimit)),
  };
}
