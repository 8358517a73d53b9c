import { AGENT_ROLES } from '../../agent-runtime/src/contract';
import { Environment, ResourceSpec } from '../environment/environment-schema';
import { hasSandbox } from '../environment/sandbox-roles';
import { NamespaceQuota } from '../constructs/namespace/hive-namespace';
import { mebibytes, millicores } from '../constructs/workload/quantities';

/** Pods a role may run at once: its max replicas plus the one a rolling update adds. */
function peakPods(env: Environment, role: (typeof AGENT_ROLES)[number]): number {
  return role === 'meta' ? 1 : env.roles[role].maxReplicas + 1;
}

/**
 * The quota that admits every role (with its sandbox sidecar, if it has one) and
 * the gateway at their max replicas during a rollout, plus the in-cluster data plane and 10 % headroom for
 * debugging pods.
 */
export function namespaceQuota(env: Environment): NamespaceQuota {
  // Per workload, the resources of each container of its pods: a role with a sandbox has two.
  const workloads: Array<{ pods: number; containers: ResourceSpec[] }> = AGENT_ROLES.map((role) => ({
    pods: peakPods(env, role),
    containers: [env.roles[role].resources, ...(env.sandbox && hasSandbox(env, role) ? [env.sandbox.resources] : [])],
  }));
  workloads.push({ pods: env.gateway.maxReplicas + 1, containers: [env.gateway.resources] });
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
