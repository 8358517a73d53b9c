import { describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { KubeObject, loadChartsOut } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';
import { POLICY_RULES } from './policy-rules';

const staging = loadChartsOut().find((e) => e.env === 'staging')!;
const environment = loadEnvironment(REPO_ROOT, 'staging');

type Mutation = (objects: KubeObject[]) => void;
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const developer = (objects: KubeObject[]) => find(objects, 'Deployment', 'agent-developer');
const agentContainer = (objects: KubeObject[]) => developer(objects).spec.template.spec.containers[0];
const redisContainer = (objects: KubeObject[]) => find(objects, 'StatefulSet', 'redis').spec.template.spec.containers[0];
const gatewayContainer = (objects: KubeObject[]) => find(objects, 'Deployment', 'hive-gateway').spec.template.spec.containers[0];
const sandboxContainer = (objects: KubeObject[]) => developer(objects).spec.template.spec.containers.find((c: any) => c.name === 'sandbox');

/** For each rule: a realistic mistake, and the object the failure must name. */
const MISTAKES: Record<string, { mutate: Mutation; names: string }> = {
  'PSS-NONROOT': { mutate: (o) => (agentContainer(o).securityContext.runAsUser = 0), names: 'agent-developer' },
  'PSS-PRIVESC': { mutate: (o) => delete redisContainer(o).securityContext.allowPrivilegeEscalation, names: 'StatefulSet/agent-hive-staging/redis' },
  'PSS-CAPS': { mutate: (o) => (agentContainer(o).securityContext.capabilities.add = ['SYS_ADMIN']), names: 'SYS_ADMIN' },
  'PSS-SECCOMP': {
    mutate: (o) => {
      delete agentContainer(o).securityContext.seccompProfile;
      delete developer(o).spec.template.spec.securityContext.seccompProfile;
    },
    names: 'agent-developer',
  },
  'PSS-PRIV': { mutate: (o) => (developer(o).spec.template.spec.hostNetwork = true), names: 'hostNetwork' },
  'RO-ROOTFS': { mutate: (o) => delete developer(o).spec.template.spec.volumes[0].emptyDir.sizeLimit, names: '/app/workspace' },
  'SA-TOKEN': { mutate: (o) => delete developer(o).spec.template.spec.automountServiceAccountToken, names: 'agent-developer' },
  'SA-OWN': { mutate: (o) => (developer(o).spec.template.spec.serviceAccountName = 'agent-qa'), names: 'shared' },
  'RES-REQ': { mutate: (o) => delete agentContainer(o).resources.requests.cpu, names: 'agent-developer' },
  'RES-LIM': { mutate: (o) => delete redisContainer(o).resources.limits, names: 'redis' },
  PROBES: { mutate: (o) => (agentContainer(o).readinessProbe = agentContainer(o).livenessProbe), names: 'equals' },
  'IMG-PIN': { mutate: (o) => (agentContainer(o).image = 'registry.example.com/agent-developer:latest'), names: ':latest' },
  PDB: { mutate: (o) => o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'agent-developer')), 1), names: 'agent-developer' },
  SPREAD: { mutate: (o) => delete developer(o).spec.template.spec.topologySpreadConstraints, names: 'agent-developer' },
  'HPA-RANGE': { mutate: (o) => (find(o, 'HorizontalPodAutoscaler', 'agent-qa').spec.maxReplicas = 99), names: 'agent-qa' },
  'HPA-WORK': {
    mutate: (o) => {
      const hpa = find(o, 'HorizontalPodAutoscaler', 'agent-developer');
      hpa.spec.metrics = hpa.spec.metrics.filter((m: { type: string }) => m.type === 'Resource');
    },
    names: 'CPU alone',
  },
  SINGLETON: { mutate: (o) => (find(o, 'Deployment', 'agent-meta').spec.strategy = { type: 'RollingUpdate' }), names: 'Recreate' },
  GRACE: { mutate: (o) => (developer(o).spec.template.spec.terminationGracePeriodSeconds = 30), names: 'agent-developer' },
  QUOTA: { mutate: (o) => (find(o, 'ResourceQuota', 'agent-hive').spec.hard.pods = 3), names: 'spec.hard.pods' },
  'NP-DENY': { mutate: (o) => o.splice(o.indexOf(find(o, 'NetworkPolicy', 'default-deny')), 1), names: 'default-deny' },
  'NP-ALLOW': { mutate: (o) => find(o, 'NetworkPolicy', 'allow-dns').spec.egress.push({}), names: 'allow-all' },
  'NP-TYPES': { mutate: (o) => (find(o, 'NetworkPolicy', 'gateway-to-data-stores').spec.policyTypes = ['Ingress']), names: 'lacks Egress' },
  'NP-GATEWAY': {
    mutate: (o) => find(o, 'NetworkPolicy', 'gateway-from-clients').spec.ingress[0].from.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } } }),
    names: 'namespace default reaches',
  },
  'NS-PSS': { mutate: (o) => (find(o, 'Namespace', 'agent-hive-staging').metadata.labels!['pod-security.kubernetes.io/enforce'] = 'baseline'), names: 'Namespace' },
  'SECRET-REF': { mutate: (o) => agentContainer(o).env.push({ name: 'ANTHROPIC_API_KEY', value: 'sk-ant-oops' }), names: 'ANTHROPIC_API_KEY' },
  'SECRET-SCOPE': {
    mutate: (o) => gatewayContainer(o).env.push({ name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'agent-hive-anthropic', key: 'api-key' } } }),
    names: 'Deployment/agent-hive-staging/hive-gateway: reads Secret agent-hive-anthropic',
  },
  'ENV-ORDER': {
    mutate: (o) => agentContainer(o).env.unshift({ name: 'REDIS_URL', value: 'redis://:$(REDIS_PASSWORD)@redis:6379' }),
    names: '$(REDIS_PASSWORD)',
  },
  'MON-SM': { mutate: (o) => o.splice(o.indexOf(find(o, 'ServiceMonitor', 'agent-qa')), 1), names: 'Service/agent-hive-staging/agent-qa' },
  'MON-SELECT': { mutate: (o) => delete find(o, 'ServiceMonitor', 'agent-qa').metadata.labels!.release, names: 'ServiceMonitor/agent-hive-staging/agent-qa' },
  'MON-NS': { mutate: (o) => delete developer(o).metadata.namespace, names: 'Deployment/agent-developer' },
  'MON-RULES': { mutate: (o) => delete find(o, 'PrometheusRule', 'agent-hive-sla').spec.groups[0].rules[0].annotations.runbook_url, names: 'runbook_url' },
  'MON-CONTRACT': {
    mutate: (o) => (find(o, 'PrometheusRule', 'agent-hive-sla').spec.groups[0].rules[0].expr = 'hive_agent_spawn_time_seconds > 10'),
    names: 'hive_agent_spawn_time_seconds',
  },
  TRACKS: {
    // The green track's pods labelled like the stable developer's: the stable Deployment, Service and PDB would take them.
    mutate: (o) => (find(o, 'Deployment', 'agent-developer-green').spec.template.metadata.labels['app.kubernetes.io/component'] = 'agent'),
    names: 'Deployment/agent-hive-staging/agent-developer: selector',
  },
  LABELS: { mutate: (o) => delete find(o, 'Service', 'redis').metadata.labels!['app.kubernetes.io/part-of'], names: 'Service/agent-hive-staging/redis' },
  NAMES: { mutate: (o) => (find(o, 'ConfigMap', 'agent-hive-runtime').metadata.name = 'agent-hive-runtime-c8f3a9b2c1'), names: 'hashed' },
  'SANDBOX-ISOLATION': {
    mutate: (o) => sandboxContainer(o).env.push({ name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'agent-hive-anthropic', key: 'api-key' } } }),
    names: "container 'sandbox': env ANTHROPIC_API_KEY reads Secret agent-hive-anthropic",
  },
  'SANDBOX-ROLES': {
    mutate: (o) => find(o, 'Deployment', 'agent-meta').spec.template.spec.containers.push(structuredClone(sandboxContainer(o))),
    names: 'Deployment/agent-hive-staging/agent-meta: has a sandbox, but role meta is not in sandbox.roles (and meta never runs code)',
  },
  'NP-GIT': { mutate: (o) => o.splice(o.indexOf(find(o, 'NetworkPolicy', 'agents-to-git-host')), 1), names: 'no egress to the git host by CIDR 10.30.4.0/24' },
};

describe('each policy check', () => {
  it('has a mistake to prove it can fail', () => {
    expect(Object.keys(MISTAKES).sort()).toEqual(Object.keys(POLICY_RULES).sort());
  });

  for (const [id, { mutate, names }] of Object.entries(MISTAKES)) {
    it(`${id} reports the object and field of a violation`, () => {
      const objects = structuredClone(staging.objects) as KubeObject[];
      expect(POLICY_RULES[id](objects, environment)).toEqual([]);
      mutate(objects);
      const violations = POLICY_RULES[id](objects, environment);
      expect(violations.join('\n')).toContain(names);
    });
  }
});

/** Mistakes of the gateway's workload and network beyond the one per rule above: each rule must hold for it too. */
const GATEWAY_MISTAKES: Array<{ rule: string; what: string; mutate: Mutation; names: string }> = [
  { rule: 'PSS-NONROOT', what: 'the gateway as root', mutate: (o) => (gatewayContainer(o).securityContext.runAsUser = 0), names: 'hive-gateway' },
  { rule: 'PSS-CAPS', what: 'a capability added to the gateway', mutate: (o) => (gatewayContainer(o).securityContext.capabilities.add = ['NET_RAW']), names: 'hive-gateway' },
  {
    rule: 'PSS-SECCOMP',
    what: 'the gateway without seccomp',
    mutate: (o) => {
      delete gatewayContainer(o).securityContext.seccompProfile;
      delete find(o, 'Deployment', 'hive-gateway').spec.template.spec.securityContext.seccompProfile;
    },
    names: 'hive-gateway',
  },
  { rule: 'RO-ROOTFS', what: 'a writable gateway root', mutate: (o) => (gatewayContainer(o).securityContext.readOnlyRootFilesystem = false), names: 'hive-gateway' },
  { rule: 'RES-LIM', what: 'a gateway without memory limit', mutate: (o) => delete gatewayContainer(o).resources.limits, names: 'hive-gateway' },
  { rule: 'PROBES', what: 'a gateway without readiness probe', mutate: (o) => delete gatewayContainer(o).readinessProbe, names: 'hive-gateway' },
  { rule: 'IMG-PIN', what: 'the gateway on :latest', mutate: (o) => (gatewayContainer(o).image = 'registry.example.com/agent-base:latest'), names: 'hive-gateway' },
  { rule: 'PDB', what: 'the gateway without PDB', mutate: (o) => o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'hive-gateway')), 1), names: 'hive-gateway' },
  { rule: 'HPA-RANGE', what: 'a gateway HPA off its range', mutate: (o) => (find(o, 'HorizontalPodAutoscaler', 'hive-gateway').spec.minReplicas = 1), names: 'hive-gateway' },
  { rule: 'MON-SM', what: 'the gateway unscraped', mutate: (o) => o.splice(o.indexOf(find(o, 'ServiceMonitor', 'hive-gateway')), 1), names: 'Service/agent-hive-staging/hive-gateway' },
  {
    rule: 'SECRET-REF',
    // No password in it, so the variable's name alone must give it away.
    what: 'a literal database URL',
    mutate: (o) => Object.assign(gatewayContainer(o).env.find((e: any) => e.name === 'DATABASE_URL'), { valueFrom: undefined, value: 'postgres://hive@postgres:5432/agent_hive' }),
    names: 'DATABASE_URL',
  },
  {
    rule: 'MON-CONTRACT',
    what: 'a gateway alert on a metric the gateway does not emit',
    mutate: (o) => {
      const rule = find(o, 'PrometheusRule', 'agent-hive-sla').spec.groups[1].rules[0];
      rule.expr = rule.expr.replaceAll('hive_gateway_requests_total', 'hive_gateway_request_total');
    },
    names: 'alert HiveGatewayErrorRateHigh: uses hive_gateway_request_total',
  },
  {
    rule: 'NP-GATEWAY',
    what: 'a client namespace the gateway no longer admits',
    mutate: (o) => find(o, 'NetworkPolicy', 'gateway-from-clients').spec.ingress[0].from.shift(),
    names: 'namespace agent-hive-clients-staging cannot reach',
  },
  {
    rule: 'NP-GATEWAY',
    what: 'the A2A port open to the whole namespace',
    mutate: (o) => find(o, 'NetworkPolicy', 'gateway-from-clients').spec.ingress[0].from.push({ podSelector: {} }),
    names: 'which is not a namespace by name',
  },
  {
    rule: 'NP-GATEWAY',
    what: 'agents given PostgreSQL egress again',
    mutate: (o) => find(o, 'NetworkPolicy', 'agents-to-data-stores').spec.egress.push(structuredClone(find(o, 'NetworkPolicy', 'gateway-to-data-stores').spec.egress[1])),
    names: 'Deployment/agent-hive-staging/agent-developer: NetworkPolicy/agent-hive-staging/agents-to-data-stores lets it reach PostgreSQL',
  },
  {
    rule: 'NP-GATEWAY',
    what: 'PostgreSQL admitting the agents',
    mutate: (o) => find(o, 'NetworkPolicy', 'postgres-from-gateway').spec.ingress[0].from.push({ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'agent' } } }),
    names: 'NetworkPolicy/agent-hive-staging/postgres-from-gateway: spec.ingress admits',
  },
];

/** Mistakes of a track beyond the one per rule above. */
const TRACK_MISTAKES: Array<{ rule: string; what: string; mutate: Mutation; names: string }> = [
  {
    rule: 'TRACKS',
    what: 'a track whose agents serve the stable stream',
    mutate: (o) => (find(o, 'Deployment', 'agent-developer-green').spec.template.spec.containers[0].env.find((e: any) => e.name === 'HIVE_TRACK').value = 'stable'),
    names: 'Deployment/agent-hive-staging/agent-developer-green: HIVE_TRACK is stable, the track is green',
  },
  { rule: 'TRACKS', what: 'a track the chart forgot', mutate: (o) => o.splice(o.indexOf(find(o, 'Deployment', 'agent-developer-green')), 1), names: 'Deployment agent-developer-green: missing' },
  {
    rule: 'TRACKS',
    what: 'meta on a track',
    mutate: (o) => (find(o, 'Deployment', 'agent-meta').spec.template.metadata.labels['agent-hive/track'] = 'green'),
    names: 'agent-meta: meta runs on a track',
  },
  {
    rule: 'TRACKS',
    what: 'meta not told of a track',
    mutate: (o) => {
      const env = find(o, 'Deployment', 'agent-meta').spec.template.spec.containers[0].env;
      env.splice(env.findIndex((e: any) => e.name === 'HIVE_FLEET_TRACKS'), 1);
    },
    names: 'HIVE_FLEET_TRACKS lists []',
  },
  {
    rule: 'HPA-RANGE',
    what: "a track's HPA off its range",
    mutate: (o) => (find(o, 'HorizontalPodAutoscaler', 'agent-developer-green').spec.maxReplicas = 9),
    names: 'HorizontalPodAutoscaler/agent-hive-staging/agent-developer-green: range 1-9, environment says 1-4',
  },
  {
    rule: 'HPA-RANGE',
    what: "a stable scaler at one agent that carries a track's label",
    mutate: (o) => {
      const hpa = find(o, 'HorizontalPodAutoscaler', 'agent-developer');
      hpa.metadata.labels = { ...hpa.metadata.labels, 'agent-hive/track': 'green' };
      hpa.spec.minReplicas = 1;
    },
    names: 'HorizontalPodAutoscaler/agent-hive-staging/agent-developer: minimum 1 < 2 without a named exemption',
  },
  { rule: 'MON-SM', what: 'a track unscraped', mutate: (o) => o.splice(o.indexOf(find(o, 'ServiceMonitor', 'agent-developer-green')), 1), names: 'Service/agent-hive-staging/agent-developer-green' },
  { rule: 'PDB', what: 'a track without PDB', mutate: (o) => o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'agent-developer-green')), 1), names: 'agent-developer-green' },
  {
    rule: 'TRACKS',
    what: 'the agents of tracks left out of the Redis egress',
    mutate: (o) => {
      // Only the stable agents may use the data stores: the green ones can reach nothing.
      const policy = find(o, 'NetworkPolicy', 'agents-to-data-stores');
      policy.spec.podSelector = { matchLabels: { 'app.kubernetes.io/name': 'agent-hive', 'app.kubernetes.io/component': 'agent' } };
    },
    names: 'agent-developer-green',
  },
];

describe('the policy checks hold tracks and the gateway to the same rules', () => {
  for (const { rule, what, mutate, names } of [...TRACK_MISTAKES, ...GATEWAY_MISTAKES]) {
    it(`${rule} reports ${what}`, () => {
      const objects = structuredClone(staging.objects) as KubeObject[];
      mutate(objects);
      expect(POLICY_RULES[rule](objects, environment).join('\n')).toContain(names);
    });
  }
});
