import { SANDBOX_CONTAINER, AGENT_SANDBOX_ENV } from '../../infra/constructs/agents/sandbox-sidecar';
import { SECRETS } from '../../infra/constructs/agents/secret-names';
import { byKind, describe, isAgent, KubeObject, podWorkloads } from '../support/manifests';
import type { PolicyCheck } from './policy-rules';

const ROLE_LABEL = 'agent-hive/role';
const agentPods = (objects: readonly KubeObject[]) => podWorkloads(objects).filter(({ object }) => isAgent(object));
const sandboxOf = (pod: any) => (pod.containers ?? []).find((c: any) => c.name === SANDBOX_CONTAINER);

/** The roles a selector picks by `agent-hive/role` (matchLabels or an In expression); undefined: it does not pick by role. */
function selectedRoles(selector: any): string[] | undefined {
  const byLabel = selector?.matchLabels?.[ROLE_LABEL];
  if (byLabel) return [byLabel];
  return selector?.matchExpressions?.find((e: any) => e.key === ROLE_LABEL && e.operator === 'In')?.values;
}

/** The rules of docs/policies.md about the sandbox sidecar (README: "The sandbox sidecar in the cluster"). */
export const SANDBOX_POLICY_RULES: Record<string, PolicyCheck> = {
  'SANDBOX-ISOLATION': (objects) =>
    podWorkloads(objects).flatMap(({ object, pod }) => {
      const sandbox = sandboxOf(pod);
      if (!sandbox) return [];
      const where = `${describe(object)} container '${SANDBOX_CONTAINER}'`;
      const volumes = new Map<string, any>((pod.volumes ?? []).map((v: any) => [v.name, v]));
      const others = (pod.containers ?? []).filter((c: any) => c !== sandbox);
      const uid = (c: any) => c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      return [
        ...(sandbox.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => `${where}: env ${e.name} reads Secret ${e.valueFrom.secretKeyRef.name}`),
        ...(sandbox.env ?? []).filter((e: any) => e.valueFrom?.fieldRef || e.valueFrom?.resourceFieldRef).map((e: any) => `${where}: env ${e.name} reads the pod's fields`),
        ...(sandbox.envFrom ?? []).map((e: any) => `${where}: envFrom ${JSON.stringify(e)} (the sandbox takes no variables in bulk)`),
        ...(sandbox.volumeMounts ?? [])
          .filter((m: any) => !volumes.get(m.name)?.emptyDir)
          .map((m: any) => `${where}: mounts '${m.name}' at ${m.mountPath}, which is not an emptyDir (a Secret, projected token or ConfigMap is off limits)`),
        ...(pod.automountServiceAccountToken === false ? [] : [`${describe(object)}: automountServiceAccountToken is not false, so the sandbox would get a token`]),
        ...(pod.shareProcessNamespace ? [`${describe(object)}: shareProcessNamespace lets the sandbox read the agent's /proc/<pid>/environ`] : []),
        ...(sandbox.securityContext?.readOnlyRootFilesystem === true ? [] : [`${where}: securityContext.readOnlyRootFilesystem is not true`]),
        ...others.filter((c: any) => uid(c) === uid(sandbox)).map((c: any) => `${where}: runs as UID ${uid(sandbox)}, the same as container '${c.name}'`),
      ];
    }),

  'SANDBOX-ROLES': (objects, env) => {
    const allowed: readonly string[] = env.sandbox?.roles ?? [];
    return agentPods(objects).flatMap(({ object, pod }) => {
      const role = object.metadata.labels?.[ROLE_LABEL] ?? '';
      const sandbox = sandboxOf(pod);
      const agent = (pod.containers ?? []).find((c: any) => c !== sandbox);
      const env = new Map<string, any>((agent?.env ?? []).map((e: any) => [e.name, e]));
      if (!allowed.includes(role) || role === 'meta') {
        const leaks = [...Object.values(AGENT_SANDBOX_ENV)].filter((name) => env.has(name));
        return [
          ...(sandbox ? [`${describe(object)}: has a sandbox, but role ${role} is not in sandbox.roles${role === 'meta' ? ' (and meta never runs code)' : ''}`] : []),
          ...leaks.map((name) => `${describe(object)}: agent env ${name} is set, but role ${role} has no sandbox`),
        ];
      }
      if (!sandbox) return [`${describe(object)}: no sandbox container, though role ${role} is in sandbox.roles`];
      const tokenProblems = [
        [AGENT_SANDBOX_ENV.gitToken, SECRETS.git.key],
        [AGENT_SANDBOX_ENV.gitPushToken, SECRETS.gitPush.key],
      ].flatMap(([name, key]) => {
        const ref = env.get(name)?.valueFrom?.secretKeyRef;
        return ref?.name === SECRETS.git.name && ref.key === key && ref.optional === true
          ? []
          : [`${describe(object)}: agent env ${name} is not the optional key ${key} of Secret ${SECRETS.git.name}`];
      });
      const socket = env.get(AGENT_SANDBOX_ENV.socket)?.value;
      const sandboxSocket = (sandbox.env ?? []).find((e: any) => e.name === AGENT_SANDBOX_ENV.socket)?.value;
      return [
        ...(socket && socket === sandboxSocket ? [] : [`${describe(object)}: agent env ${AGENT_SANDBOX_ENV.socket} (${socket}) is not the sandbox's (${sandboxSocket})`]),
        ...tokenProblems,
      ];
    });
  },

  'NP-GIT': (objects, env) => {
    const host = env.sandbox?.gitHost;
    const policies = [...byKind(objects, 'NetworkPolicy'), ...byKind(objects, 'CiliumNetworkPolicy')].filter((p) =>
      JSON.stringify(p.spec).match(/toFQDNs|ipBlock/) && (selectedRoles(p.spec.podSelector ?? p.spec.endpointSelector) !== undefined),
    );
    if (!host || (env.sandbox?.roles ?? []).length === 0) {
      return policies.map((p) => `${describe(p)}: egress for a git host the environment does not name`);
    }
    const expectedRoles = [...(env.sandbox?.roles ?? [])].sort();
    const matches = policies.filter((p) => {
      const rules: any[] = p.spec.egress ?? [];
      const reachesHost =
        env.egress === 'cilium-fqdn'
          ? p.kind === 'CiliumNetworkPolicy' &&
            rules.some((r) => r.toFQDNs?.some((f: any) => f.matchName === host.fqdn) && r.toPorts?.some((tp: any) => tp.ports.some((port: any) => Number(port.port) === host.port)))
          : p.kind === 'NetworkPolicy' &&
            (p.spec.policyTypes ?? []).includes('Egress') &&
            rules.some((r) => r.to?.some((peer: any) => peer.ipBlock?.cidr === host.cidr) && r.ports?.some((port: any) => port.port === host.port));
      return reachesHost;
    });
    if (matches.length === 0) {
      const target = env.egress === 'cilium-fqdn' ? `FQDN ${host.fqdn} (CiliumNetworkPolicy)` : `CIDR ${host.cidr} (NetworkPolicy)`;
      return [`NetworkPolicy: no egress to the git host by ${target} on port ${host.port}`];
    }
    return matches.flatMap((p) => {
      const roles = [...(selectedRoles(p.spec.podSelector ?? p.spec.endpointSelector) ?? [])].sort();
      return JSON.stringify(roles) === JSON.stringify(expectedRoles) ? [] : [`${describe(p)}: selects roles ${roles.join(', ')}, not sandbox.roles (${expectedRoles.join(', ')})`];
    });
  },
};
