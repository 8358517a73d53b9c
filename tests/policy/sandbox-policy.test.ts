import { describe, expect, it } from 'vitest';
import { namespaceQuota } from '../../infra/chart/workload-capacity';
import { mebibytes, millicores } from '../../infra/constructs/workload/quantities';
import { Environment } from '../../infra/environment/environment-schema';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { KubeObject, loadChartsOut } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';
import { POLICY_RULES } from './policy-rules';

const charts = Object.fromEntries(loadChartsOut().map((e) => [e.env, e.objects]));
const environments: Record<string, Environment> = { staging: loadEnvironment(REPO_ROOT, 'staging'), prod: loadEnvironment(REPO_ROOT, 'prod') };

type Mutation = (objects: KubeObject[]) => void;
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const pod = (objects: KubeObject[], role = 'developer') => find(objects, 'Deployment', `agent-${role}`).spec.template.spec;
const sandbox = (objects: KubeObject[], role = 'developer') => pod(objects, role).containers.find((c: any) => c.name === 'sandbox');
const agent = (objects: KubeObject[], role = 'developer') => pod(objects, role).containers.find((c: any) => c.name === 'agent');

/** The quota an environment would get if the sidecars were not counted. */
function quotaWithoutSidecars(env: Environment) {
  const { sandbox: _counted, ...without } = env;
  return namespaceQuota(without as Environment);
}

/** Realistic mistakes in the sandbox's pods, in either environment, and what the failure must name. */
const MISTAKES: Array<{ rule: string; stack: 'staging' | 'prod'; what: string; mutate: Mutation; names: string }> = [
  { rule: 'PSS-NONROOT', stack: 'staging', what: 'the sandbox as root', mutate: (o) => (sandbox(o).securityContext.runAsUser = 0), names: "agent-developer container 'sandbox'" },
  { rule: 'PSS-PRIVESC', stack: 'staging', what: 'privilege escalation in the sandbox', mutate: (o) => delete sandbox(o).securityContext.allowPrivilegeEscalation, names: "container 'sandbox'" },
  { rule: 'PSS-CAPS', stack: 'prod', what: 'a capability added to the sandbox', mutate: (o) => (sandbox(o, 'qa').securityContext.capabilities.add = ['SYS_PTRACE']), names: 'SYS_PTRACE' },
  {
    rule: 'PSS-SECCOMP',
    stack: 'staging',
    what: 'the sandbox without seccomp',
    mutate: (o) => {
      delete sandbox(o).securityContext.seccompProfile;
      delete pod(o).securityContext.seccompProfile;
    },
    names: "container 'sandbox'",
  },
  { rule: 'RO-ROOTFS', stack: 'staging', what: 'a writable sandbox root', mutate: (o) => (sandbox(o).securityContext.readOnlyRootFilesystem = false), names: "container 'sandbox'" },
  { rule: 'RES-REQ', stack: 'staging', what: 'a sandbox without a CPU request', mutate: (o) => delete sandbox(o).resources.requests.cpu, names: "container 'sandbox'" },
  { rule: 'RES-LIM', stack: 'prod', what: 'a sandbox without a memory limit', mutate: (o) => delete sandbox(o).resources.limits, names: "agent-developer container 'sandbox'" },
  { rule: 'PROBES', stack: 'staging', what: 'a sandbox without readiness probe', mutate: (o) => delete sandbox(o).readinessProbe, names: "container 'sandbox'" },
  { rule: 'IMG-PIN', stack: 'staging', what: 'a sandbox image on :latest', mutate: (o) => (sandbox(o).image = 'registry.example.com/toolchain:latest'), names: "container 'sandbox'" },
  {
    rule: 'QUOTA',
    stack: 'prod',
    what: 'a quota computed without the sidecars',
    mutate: (o) => {
      const quota = quotaWithoutSidecars(environments.prod);
      find(o, 'ResourceQuota', 'agent-hive').spec.hard['requests.memory'] = `${quota.memoryRequestsMi}Mi`;
    },
    names: 'spec.hard.requests.memory',
  },
  {
    rule: 'SANDBOX-ISOLATION',
    stack: 'staging',
    what: 'the runtime ConfigMap given to the sandbox in bulk',
    mutate: (o) => (sandbox(o).envFrom = [{ configMapRef: { name: 'agent-hive-runtime' } }]),
    names: "container 'sandbox': envFrom",
  },
  {
    rule: 'SANDBOX-ISOLATION',
    stack: 'staging',
    what: 'a Secret in bulk',
    mutate: (o) => (sandbox(o).envFrom = [{ secretRef: { name: 'agent-hive-git' } }]),
    names: 'agent-hive-git',
  },
  {
    rule: 'SANDBOX-ISOLATION',
    stack: 'prod',
    what: 'a projected service-account token mounted into the sandbox',
    mutate: (o) => {
      pod(o, 'qa').volumes.push({ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } });
      sandbox(o, 'qa').volumeMounts.push({ name: 'token', mountPath: '/var/run/secrets/tokens', readOnly: true });
    },
    names: "agent-qa container 'sandbox': mounts 'token' at /var/run/secrets/tokens",
  },
  {
    rule: 'SANDBOX-ISOLATION',
    stack: 'staging',
    what: 'the git Secret mounted as files into the sandbox',
    mutate: (o) => {
      pod(o).volumes.push({ name: 'git', secret: { secretName: 'agent-hive-git' } });
      sandbox(o).volumeMounts.push({ name: 'git', mountPath: '/etc/git', readOnly: true });
    },
    names: "mounts 'git' at /etc/git",
  },
  { rule: 'SANDBOX-ISOLATION', stack: 'staging', what: 'a shared process namespace', mutate: (o) => (pod(o).shareProcessNamespace = true), names: 'shareProcessNamespace' },
  { rule: 'SANDBOX-ISOLATION', stack: 'staging', what: "the sandbox under the agent's UID", mutate: (o) => (sandbox(o).securityContext.runAsUser = 10001), names: "the same as container 'agent'" },
  { rule: 'SANDBOX-ISOLATION', stack: 'staging', what: 'the pod name given to the sandbox', mutate: (o) => sandbox(o).env.push({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }), names: "reads the pod's fields" },
  {
    rule: 'SANDBOX-ISOLATION',
    stack: 'prod',
    what: 'a service-account token mounted into the pod',
    mutate: (o) => (pod(o).automountServiceAccountToken = true),
    names: 'automountServiceAccountToken is not false',
  },
  {
    rule: 'SECRET-SCOPE',
    stack: 'staging',
    what: 'the git Secret read by the gateway',
    mutate: (o) => find(o, 'Deployment', 'hive-gateway').spec.template.spec.containers[0].env.push({ name: 'HIVE_GIT_TOKEN', valueFrom: { secretKeyRef: { name: 'agent-hive-git', key: 'token' } } }),
    names: 'reads Secret agent-hive-git, which only agent, agent-track may read',
  },
  {
    rule: 'SANDBOX-ROLES',
    stack: 'prod',
    what: 'a role of sandbox.roles without its sidecar',
    mutate: (o) => (pod(o, 'qa').containers = pod(o, 'qa').containers.filter((c: any) => c.name !== 'sandbox')),
    names: 'Deployment/agent-hive/agent-qa: no sandbox container, though role qa is in sandbox.roles',
  },
  {
    rule: 'SANDBOX-ROLES',
    stack: 'staging',
    what: "a track of a sandbox role without the role's sidecar",
    mutate: (o) => {
      const green = find(o, 'Deployment', 'agent-developer-green').spec.template.spec;
      green.containers = green.containers.filter((c: any) => c.name !== 'sandbox');
    },
    names: 'Deployment/agent-hive-staging/agent-developer-green: no sandbox container, though role developer is in sandbox.roles',
  },
  {
    rule: 'SANDBOX-ROLES',
    stack: 'staging',
    what: 'a git token given to an agent without a sandbox',
    mutate: (o) => agent(o, 'architect').env.push(structuredClone(agent(o).env.find((e: any) => e.name === 'HIVE_GIT_TOKEN'))),
    names: 'agent-architect: agent env HIVE_GIT_TOKEN is set, but role architect has no sandbox',
  },
  {
    rule: 'SANDBOX-ROLES',
    stack: 'staging',
    what: 'a required git token key (pods would not start without it)',
    mutate: (o) => delete agent(o).env.find((e: any) => e.name === 'HIVE_GIT_TOKEN').valueFrom.secretKeyRef.optional,
    names: 'agent env HIVE_GIT_TOKEN is not the optional key token of Secret agent-hive-git',
  },
  {
    rule: 'SANDBOX-ROLES',
    stack: 'staging',
    what: 'the agent told another socket than the sandbox listens on',
    mutate: (o) => (agent(o).env.find((e: any) => e.name === 'HIVE_SANDBOX_SOCKET').value = '/tmp/sandbox.sock'),
    names: 'agent env HIVE_SANDBOX_SOCKET (/tmp/sandbox.sock) is not the sandbox',
  },
  {
    rule: 'NP-GIT',
    stack: 'prod',
    what: 'the git host missing from the Cilium policy',
    mutate: (o) => (find(o, 'CiliumNetworkPolicy', 'agents-to-git-host').spec.egress[1].toFQDNs = [{ matchName: 'gitlab.com' }]),
    names: 'no egress to the git host by FQDN github.com (CiliumNetworkPolicy) on port 443',
  },
  {
    rule: 'NP-GIT',
    stack: 'staging',
    what: 'git egress for every agent role',
    mutate: (o) => find(o, 'NetworkPolicy', 'agents-to-git-host').spec.podSelector.matchExpressions.find((e: any) => e.key === 'agent-hive/role').values.push('architect', 'meta'),
    names: 'selects roles architect, developer, meta, qa, not sandbox.roles (developer, qa)',
  },
];

describe('the policy checks hold the sandbox sidecar to the rules', () => {
  for (const { rule, stack, what, mutate, names } of MISTAKES) {
    it(`${rule} reports ${what} (${stack})`, () => {
      const objects = structuredClone(charts[stack]) as KubeObject[];
      expect(POLICY_RULES[rule](objects, environments[stack])).toEqual([]);
      mutate(objects);
      expect(POLICY_RULES[rule](objects, environments[stack]).join('\n')).toContain(names);
    });
  }
});

describe('the sandbox in the synthesized environments', () => {
  for (const stack of ['staging', 'prod'] as const) {
    const objects = charts[stack];
    const env = environments[stack];

    it(`${stack}: developer and qa have the sidecar, architect and meta do not`, () => {
      for (const role of ['developer', 'qa']) expect(sandbox(objects as KubeObject[], role), role).toBeDefined();
      for (const role of ['architect', 'meta']) expect(sandbox(objects as KubeObject[], role), role).toBeUndefined();
    });

    it(`${stack}: no Secret is reachable from the sandbox container, and the git tokens reach the agent container only`, () => {
      for (const role of ['developer', 'qa']) {
        const container = sandbox(objects as KubeObject[], role);
        const text = JSON.stringify(container);
        expect(text).not.toMatch(/secretKeyRef|secretRef|serviceAccountToken|configMapRef/);
        expect(container.envFrom).toBeUndefined();
        expect(pod(objects as KubeObject[], role).automountServiceAccountToken).toBe(false);
        const mounted = (container.volumeMounts as any[]).map((m) => pod(objects as KubeObject[], role).volumes.find((v: any) => v.name === m.name));
        for (const volume of mounted) expect(Object.keys(volume).sort(), volume.name).toEqual(['emptyDir', 'name']);
        expect(agent(objects as KubeObject[], role).env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['HIVE_GIT_TOKEN', 'HIVE_GIT_PUSH_TOKEN', 'HIVE_SANDBOX_SOCKET']));
      }
    });

    it(`${stack}: the quota counts each sidecar at its role's peak pods`, () => {
      const withSidecars = namespaceQuota(env);
      const without = quotaWithoutSidecars(env);
      const peakSandboxPods = env.sandbox!.roles.reduce((sum, role) => sum + env.roles[role].maxReplicas + 1, 0);
      expect(withSidecars.memoryLimitsMi - without.memoryLimitsMi).toBeGreaterThanOrEqual(peakSandboxPods * mebibytes(env.sandbox!.resources.memoryLimit));
      expect(withSidecars.cpuRequestsMillicores - without.cpuRequestsMillicores).toBeGreaterThanOrEqual(peakSandboxPods * millicores(env.sandbox!.resources.cpuRequest));
      expect(withSidecars.pods).toBe(without.pods);
      const hard = find(objects as KubeObject[], 'ResourceQuota', 'agent-hive').spec.hard;
      expect(hard['requests.cpu']).toBe(`${withSidecars.cpuRequestsMillicores}m`);
    });
  }
});
