import { ENV, GATEWAY_METRICS, GATEWAY_PORT, METRICS, METRICS_PORT, ROLLOUT_METRICS, STABLE_TRACK } from '../../agent-runtime/src/contract';
import { parseFleetTracks } from '../../agent-runtime/src/config/fleet-tracks';
import { SANDBOX_CONTAINER } from '../../infra/constructs/agents/sandbox-sidecar';
import { allTracks, fleetTracks } from '../../infra/environment/role-tracks';
import { SECRETS } from '../../infra/constructs/agents/secret-names';
import { Environment } from '../../infra/environment/environment-schema';
import { mebibytes, millicores } from '../../infra/constructs/workload/quantities';
import { byKind, componentOf, containersOf, describe, isAgent, KubeObject, podWorkloads, selects } from '../support/manifests';
import { adapterRules, alertRules, allQueries, hpaMetricNames } from '../support/monitoring-queries';
import { contractSeriesNames, metricNames } from '../support/promql';
import { SANDBOX_POLICY_RULES } from './sandbox-policy-rules';

/**
 * One function per rule of docs/policies.md. Each returns its violations
 * as "<object>: <field> <problem>"; an empty list means the rule holds.
 */
export type PolicyCheck = (objects: readonly KubeObject[], env: Environment) => string[];

/**
 * HPA minimum below Polaris' 2, by the product's choice: these roles start
 * with one agent and scale on backlog; an idle environment should not pay for two.
 */
/** The policy's own list, not the schema's: widening the schema's must fail this rule. */
const MAY_SCALE_TO_ZERO: readonly string[] = ['architect', 'qa'];

export const HPA_MIN_REPLICA_EXEMPTIONS: Readonly<Record<string, string>> = {
  'agent-architect': 'product card: architect 1-10',
  'agent-qa': 'product card: qa 1-15',
};

/** Why any track other than stable may run a single pod: a rollout's candidate takes a share of the work, sized by its environment. */
const TRACK_MIN_REPLICA_EXEMPTION = 'a track other than stable: a rollout candidate, sized by the environment';

/** What the product card fixes for production. */
export const PRODUCT_CARD_RANGES = { architect: [1, 10], developer: [2, 25], qa: [1, 15] } as const;

const CREDENTIAL_NAME = /(PASSWORD|SECRET|(^|_)TOKEN$|API_?KEY|CREDENTIAL|PRIVATE_KEY|DATABASE_URL)/i;

/**
 * Which components may read each Secret: least privilege. The gateway never
 * gets the Anthropic key; only it gets its tokens and database URL.
 */
const SECRET_READERS: Readonly<Record<string, readonly string[]>> = {
  [SECRETS.anthropic.name]: ['agent', 'agent-track'],
  [SECRETS.redis.name]: ['agent', 'agent-track', 'gateway', 'bridge', 'redis'],
  [SECRETS.postgres.name]: ['postgres'],
  [SECRETS.gatewayTokens.name]: ['gateway'],
  [SECRETS.gatewayDatabase.name]: ['gateway'],
  // The agent container only: SANDBOX-ISOLATION keeps every Secret from the sandbox of the same pod.
  [SECRETS.git.name]: ['agent', 'agent-track'],
};

const COMPONENT = 'app.kubernetes.io/component';
const ROLE = 'agent-hive/role';
const TRACK = 'agent-hive/track';
/** `agent-<role>`, or `agent-<role>-<track>` for another track. */
const workloadName = (role: string, track: string) => (track === STABLE_TRACK ? `agent-${role}` : `agent-${role}-${track}`);

/** Whether a NetworkPolicy pod selector (matchLabels and matchExpressions; {} selects every pod) selects pods labelled `labels`. */
function podSelectorSelects(selector: any, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector?.matchExpressions ?? []).every((e: any) => {
    if (e.operator === 'In') return e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return e.key in labels;
    return !(e.key in labels);
  });
  return byLabels && byExpressions;
}

/** The policies that apply to pods labelled `labels` in one direction (their policyTypes include it). */
function policiesFor(objects: readonly KubeObject[], labels: Record<string, string>, direction: 'Ingress' | 'Egress'): KubeObject[] {
  return byKind(objects, 'NetworkPolicy').filter((p) => (p.spec.policyTypes ?? []).includes(direction) && podSelectorSelects(p.spec.podSelector, labels));
}

/** Whether a rule's ports (none: every port) include `port`. */
const rulePortsInclude = (rule: any, port: number) => !rule.ports || rule.ports.some((p: any) => p.port === port);

/** The Secrets a pod reads: env, envFrom and volumes. */
function secretsReadBy(pod: any): string[] {
  return [
    ...containersOf(pod).flatMap((c) => [
      ...(c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.name),
      ...(c.envFrom ?? []).map((e: any) => e.secretRef?.name),
    ]),
    ...(pod.volumes ?? []).flatMap((v: any) => [v.secret?.secretName, ...(v.projected?.sources ?? []).map((s: any) => s.secret?.name)]),
  ].filter((name): name is string => name !== undefined);
}
const CREDENTIAL_VALUE = /(:\/\/[^/\s:@]+:[^/\s@]+@|sk-ant-|-----BEGIN)/;

const forEachContainer = (objects: readonly KubeObject[], check: (c: any, pod: any, where: string) => string | undefined) =>
  podWorkloads(objects).flatMap(({ object, pod }) =>
    containersOf(pod).flatMap((c) => {
      const problem = check(c, pod, `${describe(object)} container '${c.name}'`);
      return problem ? [problem] : [];
    }),
  );

/** The objects an environment puts into the monitoring namespace (README: "Objects outside the namespace"). */
const MONITORING_NAMESPACE_OBJECTS: ReadonlyArray<{ what: string; is: (o: KubeObject) => boolean; onlyWithHpa?: true }> = [
  { what: 'Grafana dashboard', is: (o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1' },
  // KEDA serves the metrics of the HPAs it makes itself.
  { what: 'prometheus-adapter rules', is: (o) => o.kind === 'ConfigMap' && o.data?.['config.yaml'] !== undefined, onlyWithHpa: true },
];

/** An HPA or a KEDA ScaledObject, and the range it scales its target in. */
interface Scaler {
  readonly object: KubeObject;
  readonly target: string;
  readonly min: number;
  readonly max: number;
}

/** Every HPA and ScaledObject (KEDA's defaults: minReplicaCount 0, maxReplicaCount 100). */
function scalers(objects: readonly KubeObject[]): Scaler[] {
  return [
    ...byKind(objects, 'HorizontalPodAutoscaler').map((h) => ({ object: h, target: h.spec.scaleTargetRef.name, min: h.spec.minReplicas ?? 1, max: h.spec.maxReplicas })),
    ...byKind(objects, 'ScaledObject').map((s) => ({ object: s, target: s.spec.scaleTargetRef.name, min: s.spec.minReplicaCount ?? 0, max: s.spec.maxReplicaCount ?? 100 })),
  ];
}

const scalerOf = (objects: readonly KubeObject[], workload: KubeObject) => scalers(objects).find((s) => s.target === workload.metadata.name);

/** Deployments and StatefulSets that can run more than one pod. */
function multiReplicaWorkloads(objects: readonly KubeObject[]): KubeObject[] {
  return podWorkloads(objects)
    .map(({ object }) => object)
    .filter((o) => (o.spec.replicas ?? 1) > 1 || (scalerOf(objects, o)?.max ?? 0) > 1);
}

function maxPods(objects: readonly KubeObject[], workload: KubeObject): number {
  const replicas = scalerOf(objects, workload)?.max ?? workload.spec.replicas ?? 1;
  // A rolling update runs maxSurge extra pods; at zero replicas it starts none.
  return replicas === 0 ? 0 : replicas + (workload.spec.strategy?.rollingUpdate?.maxSurge ?? 0);
}

function envValue(objects: readonly KubeObject[], c: any, name: string): string | undefined {
  const direct = (c.env ?? []).find((e: any) => e.name === name)?.value;
  if (direct !== undefined) return direct;
  for (const source of c.envFrom ?? []) {
    const cm = byKind(objects, 'ConfigMap').find((m) => m.metadata.name === source.configMapRef?.name);
    if (cm?.data?.[name] !== undefined) return cm.data[name];
  }
  return undefined;
}

function allowsIngressOnPort(policy: KubeObject, port: number): boolean {
  return (policy.spec.ingress ?? []).some((rule: any) => (rule.ports ?? []).some((p: any) => p.port === port));
}

function egressPorts(objects: readonly KubeObject[]): number[] {
  const fromPolicies = byKind(objects, 'NetworkPolicy').flatMap((p) =>
    (p.spec.egress ?? []).flatMap((rule: any) => (rule.ports ?? []).map((port: any) => port.port)),
  );
  const fromCilium = byKind(objects, 'CiliumNetworkPolicy').flatMap((p) =>
    (p.spec.egress ?? []).flatMap((rule: any) => (rule.toPorts ?? []).flatMap((tp: any) => tp.ports.map((port: any) => Number(port.port)))),
  );
  return [...fromPolicies, ...fromCilium];
}

export const POLICY_RULES: Record<string, PolicyCheck> = {
  'PSS-NONROOT': (objects) =>
    forEachContainer(objects, (c, pod, where) => {
      const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      const user = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      if (nonRoot !== true) return `${where}: securityContext.runAsNonRoot is not true`;
      if (!(user > 0)) return `${where}: securityContext.runAsUser is ${user}, must be a non-zero UID`;
      return undefined;
    }),

  'PSS-PRIVESC': (objects) =>
    forEachContainer(objects, (c, _pod, where) =>
      c.securityContext?.allowPrivilegeEscalation === false ? undefined : `${where}: securityContext.allowPrivilegeEscalation is not false`,
    ),

  'PSS-CAPS': (objects) =>
    forEachContainer(objects, (c, _pod, where) => {
      const caps = c.securityContext?.capabilities ?? {};
      if (!(caps.drop ?? []).includes('ALL')) return `${where}: securityContext.capabilities.drop does not contain ALL`;
      const added = (caps.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
      return added.length ? `${where}: securityContext.capabilities.add has ${added.join(', ')}` : undefined;
    }),

  'PSS-SECCOMP': (objects) =>
    forEachContainer(objects, (c, pod, where) => {
      const type = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
      return ['RuntimeDefault', 'Localhost'].includes(type) ? undefined : `${where}: seccompProfile.type is ${type}`;
    }),

  'PSS-PRIV': (objects) => [
    ...podWorkloads(objects).flatMap(({ object, pod }) => [
      ...['hostNetwork', 'hostPID', 'hostIPC'].filter((f) => pod[f]).map((f) => `${describe(object)}: spec.template.spec.${f} is set`),
      ...(pod.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => `${describe(object)}: volume '${v.name}' is a hostPath`),
    ]),
    ...forEachContainer(objects, (c, _pod, where) => {
      if (c.securityContext?.privileged) return `${where}: securityContext.privileged is true`;
      return (c.ports ?? []).some((p: any) => p.hostPort) ? `${where}: ports use hostPort` : undefined;
    }),
  ],

  'RO-ROOTFS': (objects) =>
    podWorkloads(objects).flatMap(({ object, pod }) => {
      const claims = (object.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name);
      return containersOf(pod).flatMap((c) => {
        const where = `${describe(object)} container '${c.name}'`;
        if (c.securityContext?.readOnlyRootFilesystem !== true) return [`${where}: securityContext.readOnlyRootFilesystem is not true`];
        return (c.volumeMounts ?? []).flatMap((m: any) => {
          if (m.readOnly || claims.includes(m.name)) return [];
          const volume = (pod.volumes ?? []).find((v: any) => v.name === m.name);
          if (volume?.emptyDir?.sizeLimit) return [];
          if (volume?.persistentVolumeClaim) return [];
          return [`${where}: writable mount '${m.mountPath}' is not a size-limited emptyDir or a PVC`];
        });
      });
    }),

  'SA-TOKEN': (objects) =>
    podWorkloads(objects).flatMap(({ object, pod }) =>
      pod.automountServiceAccountToken === false ? [] : [`${describe(object)}: spec.template.spec.automountServiceAccountToken is not false`],
    ),

  'SA-OWN': (objects) => {
    const accounts = byKind(objects, 'ServiceAccount');
    const workloads = podWorkloads(objects);
    return workloads.flatMap(({ object, pod }) => {
      const name = pod.serviceAccountName;
      if (!name || name === 'default') return [`${describe(object)}: spec.template.spec.serviceAccountName is '${name ?? 'default'}'`];
      if (!accounts.some((a) => a.metadata.name === name && a.metadata.namespace === object.metadata.namespace)) {
        return [`${describe(object)}: ServiceAccount '${name}' is not defined`];
      }
      const sharers = workloads.filter((w) => w.pod.serviceAccountName === name && w.object.metadata.namespace === object.metadata.namespace);
      return sharers.length > 1 ? [`${describe(object)}: ServiceAccount '${name}' is shared with another workload`] : [];
    });
  },

  'RES-REQ': (objects) =>
    forEachContainer(objects, (c, _pod, where) =>
      c.resources?.requests?.cpu && c.resources?.requests?.memory ? undefined : `${where}: resources.requests lacks cpu or memory`,
    ),

  'RES-LIM': (objects) =>
    forEachContainer(objects, (c, _pod, where) => (c.resources?.limits?.memory ? undefined : `${where}: resources.limits.memory is missing`)),

  PROBES: (objects) =>
    podWorkloads(objects)
      .filter(({ object }) => object.kind !== 'Job')
      .flatMap(({ object, pod }) =>
        (pod.containers ?? []).flatMap((c: any) => {
          const where = `${describe(object)} container '${c.name}'`;
          if (!c.livenessProbe) return [`${where}: livenessProbe is missing`];
          if (!c.readinessProbe) return [`${where}: readinessProbe is missing`];
          return JSON.stringify(c.livenessProbe) === JSON.stringify(c.readinessProbe) ? [`${where}: livenessProbe equals readinessProbe`] : [];
        }),
      ),

  'IMG-PIN': (objects) =>
    forEachContainer(objects, (c, _pod, where) => {
      const image: string = c.image ?? '';
      const pinned = /@sha256:[a-f0-9]{64}$/.test(image) || (/:[\w][\w.-]*$/.test(image.split('/').pop() ?? '') && !image.endsWith(':latest'));
      if (!pinned) return `${where}: image '${image}' is not pinned by an immutable tag or digest`;
      return c.imagePullPolicy === 'IfNotPresent' ? undefined : `${where}: imagePullPolicy is ${c.imagePullPolicy}, expected IfNotPresent`;
    }),

  PDB: (objects) =>
    multiReplicaWorkloads(objects).flatMap((workload) => {
      const labels = workload.spec.template.metadata.labels;
      const pdb = byKind(objects, 'PodDisruptionBudget').find(
        (p) => p.metadata.namespace === workload.metadata.namespace && selects(p.spec.selector?.matchLabels, labels),
      );
      if (!pdb) return [`${describe(workload)}: no PodDisruptionBudget selects its pods`];
      const minPods = scalerOf(objects, workload)?.min ?? workload.spec.replicas ?? 1;
      const allowsEviction = pdb.spec.maxUnavailable !== undefined ? pdb.spec.maxUnavailable >= 1 : pdb.spec.minAvailable < minPods;
      return allowsEviction ? [] : [`${describe(pdb)}: spec does not allow a single eviction at ${minPods} pods`];
    }),

  SPREAD: (objects) =>
    multiReplicaWorkloads(objects).flatMap((workload) => {
      const pod = workload.spec.template.spec;
      const spread = (pod.topologySpreadConstraints ?? []).length > 0 || pod.affinity?.podAntiAffinity;
      return spread ? [] : [`${describe(workload)}: spec.template.spec has no topologySpreadConstraints or podAntiAffinity`];
    }),

  'HPA-RANGE': (objects, env) => {
    const all = scalers(objects);
    // A track's scaler may start at one agent, by its target: a label would exempt any scaler that carried it.
    const trackTargets = new Set(allTracks(env).filter(({ track }) => track !== STABLE_TRACK).map(({ role, track }) => workloadName(role, track)));
    return [
      ...allTracks(env).flatMap(({ role, track, minReplicas, maxReplicas, scaledToZero }) => {
        const name = workloadName(role, track);
        const mine = all.filter((s) => s.target === name);
        if (scaledToZero) {
          const deployment = byKind(objects, 'Deployment').find((d) => d.metadata.name === name);
          return [
            ...mine.map((s) => `${describe(s.object)}: scales Deployment ${name}, which the environment runs at replicas 0`),
            ...(deployment?.spec.replicas === 0 ? [] : [`Deployment ${name}: spec.replicas is ${deployment?.spec.replicas}, the environment says 0`]),
          ];
        }
        const kind = env.autoscaling.engine === 'keda' ? 'ScaledObject' : 'HorizontalPodAutoscaler';
        if (mine.length !== 1 || mine[0].object.kind !== kind) {
          return [`Deployment ${name}: scaled by ${mine.map((s) => describe(s.object)).join(', ') || 'nothing'}; autoscaling.engine ${env.autoscaling.engine} wants one ${kind}`];
        }
        const [scaler] = mine;
        const problems: string[] = [];
        if (scaler.min !== minReplicas || scaler.max !== maxReplicas) {
          problems.push(`${describe(scaler.object)}: range ${scaler.min}-${scaler.max}, environment says ${minReplicas}-${maxReplicas}`);
        }
        if (env.name === 'prod' && track === STABLE_TRACK) {
          const [min, max] = PRODUCT_CARD_RANGES[role];
          if (scaler.min !== min || scaler.max !== max) {
            problems.push(`${describe(scaler.object)}: prod range ${scaler.min}-${scaler.max}, product card says ${min}-${max}`);
          }
        }
        if (scaler.min === 0 && !MAY_SCALE_TO_ZERO.includes(role)) problems.push(`${describe(scaler.object)}: scales ${role} to zero`);
        return problems;
      }),
      ...(() => {
        const hpa = byKind(objects, 'HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === 'hive-gateway');
        if (!hpa) return ['Deployment hive-gateway: no HorizontalPodAutoscaler'];
        const { minReplicas, maxReplicas } = env.gateway;
        return hpa.spec.minReplicas === minReplicas && hpa.spec.maxReplicas === maxReplicas
          ? []
          : [`${describe(hpa)}: range ${hpa.spec.minReplicas}-${hpa.spec.maxReplicas}, environment says ${minReplicas}-${maxReplicas}`];
      })(),
      ...all.flatMap(({ object, target: name, min, max }) => {
        const problems: string[] = [];
        if (min > max) problems.push(`${describe(object)}: minimum ${min} > maximum ${max}`);
        const exemption = HPA_MIN_REPLICA_EXEMPTIONS[object.metadata.name] ?? (trackTargets.has(name) ? TRACK_MIN_REPLICA_EXEMPTION : undefined);
        if (min < 2 && !exemption) {
          problems.push(`${describe(object)}: minimum ${min} < 2 without a named exemption`);
        }
        const target = byKind(objects, object.spec.scaleTargetRef.kind ?? 'Deployment').find((d) => d.metadata.name === name);
        if (!target) problems.push(`${describe(object)}: scaleTargetRef ${name} does not exist`);
        else if (target.spec.replicas !== undefined) problems.push(`${describe(target)}: spec.replicas is set although ${describe(object)} owns it`);
        return problems;
      }),
    ];
  },

  // The gateway does its work itself, so CPU follows its load; agents wait on the LLM API.
  'HPA-WORK': (objects) =>
    byKind(objects, 'HorizontalPodAutoscaler')
      .filter(isAgent)
      .flatMap((hpa) =>
        (hpa.spec.metrics ?? []).some((m: any) => m.type === 'External' || m.type === 'Pods')
          ? []
          : [`${describe(hpa)}: spec.metrics has no External or Pods metric (scales on CPU alone)`],
      )
      .concat(
        byKind(objects, 'ScaledObject').flatMap((so) =>
          (so.spec.triggers ?? []).some((t: any) => t.type === 'redis-streams')
            ? []
            : [`${describe(so)}: spec.triggers has no redis-streams trigger (does not scale on the task stream)`],
        ),
      ),

  SINGLETON: (objects) => {
    const meta = byKind(objects, 'Deployment').find((d) => d.metadata.name === 'agent-meta');
    if (!meta) return ['Deployment agent-meta: missing'];
    return [
      ...(meta.spec.replicas === 1 ? [] : [`${describe(meta)}: spec.replicas is ${meta.spec.replicas}, must be 1`]),
      ...(meta.spec.strategy?.type === 'Recreate' ? [] : [`${describe(meta)}: spec.strategy.type is ${meta.spec.strategy?.type}, must be Recreate`]),
      ...scalers(objects)
        .filter((s) => s.target === 'agent-meta')
        .map((s) => `${describe(s.object)}: targets the meta singleton`),
    ];
  },

  GRACE: (objects) =>
    podWorkloads(objects)
      .filter(({ object }) => isAgent(object))
      .flatMap(({ object, pod }) =>
        // The runtime drains; the sandbox sidecar holds no task of its own.
        (pod.containers as any[]).filter((c) => c.name !== SANDBOX_CONTAINER).flatMap((c) => {
          const grace = Number(envValue(objects, c, ENV.shutdownGraceMs));
          const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
          const needed = Math.ceil(grace / 1000) + preStop;
          if (!Number.isFinite(grace)) return [`${describe(object)}: ${ENV.shutdownGraceMs} is not set`];
          return pod.terminationGracePeriodSeconds > needed
            ? []
            : [`${describe(object)}: terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} <= drain ${grace} ms + preStop ${preStop} s`];
        }),
      ),

  QUOTA: (objects) => {
    const quota = byKind(objects, 'ResourceQuota')[0];
    if (!quota) return ['ResourceQuota: missing'];
    const need = { pods: 0, cpu: 0, memory: 0, memoryLimits: 0 };
    for (const { object, pod } of podWorkloads(objects)) {
      const pods = maxPods(objects, object);
      need.pods += pods;
      for (const c of containersOf(pod)) {
        need.cpu += pods * millicores(c.resources.requests.cpu);
        need.memory += pods * mebibytes(c.resources.requests.memory);
        need.memoryLimits += pods * mebibytes(c.resources.limits.memory);
      }
    }
    const hard = quota.spec.hard;
    const checks: Array<[string, number, number]> = [
      ['pods', Number(hard.pods), need.pods],
      ['requests.cpu', millicores(String(hard['requests.cpu'])), need.cpu],
      ['requests.memory', mebibytes(String(hard['requests.memory'])), need.memory],
      ['limits.memory', mebibytes(String(hard['limits.memory'])), need.memoryLimits],
    ];
    return checks.filter(([, has, needs]) => has < needs).map(([key, has, needs]) => `${describe(quota)}: spec.hard.${key} ${has} < ${needs} needed at max replicas`);
  },

  'NP-DENY': (objects) =>
    byKind(objects, 'NetworkPolicy').some(
      (p) =>
        Object.keys(p.spec.podSelector ?? {}).length === 0 &&
        ['Ingress', 'Egress'].every((t) => (p.spec.policyTypes ?? []).includes(t)) &&
        !p.spec.ingress &&
        !p.spec.egress,
    )
      ? []
      : ['NetworkPolicy: no default-deny policy for Ingress and Egress'],

  'NP-ALLOW': (objects, env) => {
    const problems: string[] = [];
    const ports = egressPorts(objects);
    const storePort = (s: Environment['redis'], inCluster: number) => (s.mode === 'in-cluster' ? inCluster : s.port);
    for (const [what, port] of [
      ['DNS', 53],
      ['Redis', storePort(env.redis, 6379)],
      ['Postgres', storePort(env.postgres, 5432)],
      ['HTTPS to the LLM API', 443],
    ] as const) {
      if (!ports.includes(port)) problems.push(`NetworkPolicy: no egress allow for ${what} (port ${port})`);
    }
    const scrape = byKind(objects, 'NetworkPolicy').some(
      (p) =>
        allowsIngressOnPort(p, METRICS_PORT) &&
        p.spec.ingress.some((r: any) => r.from?.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === env.monitoringNamespace)),
    );
    if (!scrape) problems.push(`NetworkPolicy: no ingress allow on ${METRICS_PORT} from namespace ${env.monitoringNamespace}`);
    for (const p of byKind(objects, 'NetworkPolicy')) {
      for (const direction of ['ingress', 'egress'] as const) {
        for (const rule of p.spec[direction] ?? []) {
          const peers = rule.from ?? rule.to;
          const openPeer = !peers || peers.length === 0 || peers.some((peer: any) => peer.ipBlock?.cidr === '0.0.0.0/0' && !peer.ipBlock.except);
          if (openPeer && !rule.ports) problems.push(`${describe(p)}: spec.${direction} has an allow-all rule`);
        }
      }
    }
    return problems;
  },

  'NP-TYPES': (objects) =>
    byKind(objects, 'NetworkPolicy').flatMap((p) => {
      const types: string[] = p.spec.policyTypes ?? [];
      if (types.length === 0) return [`${describe(p)}: spec.policyTypes is not set (Kubernetes then guesses the directions from the rules)`];
      // Rules of a direction the policy does not declare are ignored: the allow silently does nothing.
      return (['ingress', 'egress'] as const)
        .filter((direction) => p.spec[direction] !== undefined && !types.includes(direction === 'ingress' ? 'Ingress' : 'Egress'))
        .map((direction) => `${describe(p)}: has spec.${direction} rules, but spec.policyTypes lacks ${direction === 'ingress' ? 'Ingress' : 'Egress'}`);
    }),

  'NP-GATEWAY': (objects, env) => {
    const gateway = byKind(objects, 'Deployment').find((d) => componentOf(d) === 'gateway');
    if (!gateway) return ['Deployment hive-gateway: missing'];
    const gatewayPods: Record<string, string> = gateway.spec.template.metadata.labels;
    const problems: string[] = [];

    // The A2A port: exactly the client namespaces, and the ingress controller's when there is an Ingress.
    const expected = [...env.gateway.ingressNamespaces, ...(env.gateway.ingress ? [env.gateway.ingress.controllerNamespace] : [])];
    const admitted = new Set<string>();
    for (const p of policiesFor(objects, gatewayPods, 'Ingress')) {
      for (const rule of (p.spec.ingress ?? []).filter((r: any) => rulePortsInclude(r, GATEWAY_PORT))) {
        for (const peer of rule.from ?? [{}]) {
          const namespace = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
          if (namespace && !peer.podSelector && !peer.ipBlock) admitted.add(namespace);
          else problems.push(`${describe(p)}: spec.ingress admits ${JSON.stringify(peer)} to port ${GATEWAY_PORT}, which is not a namespace by name`);
        }
      }
    }
    for (const namespace of expected.filter((n) => !admitted.has(n))) problems.push(`NetworkPolicy: namespace ${namespace} cannot reach the gateway's port ${GATEWAY_PORT}`);
    for (const namespace of [...admitted].filter((n) => !expected.includes(n))) {
      problems.push(`NetworkPolicy: namespace ${namespace} reaches the gateway's port ${GATEWAY_PORT}, but is not in gateway.ingressNamespaces or the ingress controller's`);
    }

    // PostgreSQL holds the gateway's task history: no other workload reaches it, either way.
    const postgresPort = env.postgres.mode === 'in-cluster' ? 5432 : env.postgres.port;
    const postgresPods = { 'app.kubernetes.io/name': 'agent-hive', [COMPONENT]: 'postgres' };
    const others = podWorkloads(objects)
      .map(({ object }) => object)
      .filter((o) => o !== gateway && componentOf(o) !== 'postgres');
    for (const other of others) {
      for (const p of policiesFor(objects, other.spec.template.metadata.labels, 'Egress')) {
        if ((p.spec.egress ?? []).some((r: any) => rulePortsInclude(r, postgresPort))) {
          problems.push(`${describe(other)}: ${describe(p)} lets it reach PostgreSQL (port ${postgresPort}); only the gateway may`);
        }
      }
    }
    for (const p of policiesFor(objects, postgresPods, 'Ingress')) {
      for (const peer of (p.spec.ingress ?? []).flatMap((r: any) => r.from ?? [{}])) {
        const admitsOther = !peer.podSelector || others.some((o) => podSelectorSelects(peer.podSelector, o.spec.template.metadata.labels));
        if (admitsOther) problems.push(`${describe(p)}: spec.ingress admits ${JSON.stringify(peer)} to PostgreSQL; only the gateway may`);
      }
    }
    return problems;
  },

  'NS-PSS': (objects) =>
    byKind(objects, 'Namespace').flatMap((ns) =>
      ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted'
        ? []
        : [`${describe(ns)}: label pod-security.kubernetes.io/enforce is not restricted`],
    ),

  'SECRET-REF': (objects) => [
    ...byKind(objects, 'Secret')
      .filter((s) => s.data || s.stringData)
      .map((s) => `${describe(s)}: a Secret with data in charts-out`),
    ...forEachContainer(objects, (c, _pod, where) => {
      const literal = (c.env ?? []).find((e: any) => e.value !== undefined && (CREDENTIAL_NAME.test(e.name) || CREDENTIAL_VALUE.test(e.value)));
      return literal ? `${where}: env ${literal.name} holds a literal credential` : undefined;
    }),
    ...byKind(objects, 'ConfigMap').flatMap((cm) =>
      Object.entries((cm.data ?? {}) as Record<string, string>)
        .filter(([key, value]) => CREDENTIAL_NAME.test(key) || CREDENTIAL_VALUE.test(value))
        .map(([key]) => `${describe(cm)}: data.${key} looks like a credential`),
    ),
    // KEDA: a trigger's metadata holds no credential; a Redis trigger gets the password through an existing TriggerAuthentication.
    ...byKind(objects, 'ScaledObject').flatMap((so) =>
      (so.spec.triggers ?? []).flatMap((t: any, i: number) => [
        ...Object.entries((t.metadata ?? {}) as Record<string, string>)
          .filter(([key, value]) => CREDENTIAL_NAME.test(key) || CREDENTIAL_VALUE.test(value))
          .map(([key]) => `${describe(so)}: spec.triggers[${i}].metadata.${key} holds a credential`),
        ...(t.type === 'redis-streams' && !byKind(objects, 'TriggerAuthentication').some((a) => a.metadata.name === t.authenticationRef?.name)
          ? [`${describe(so)}: spec.triggers[${i}] has no authenticationRef to a TriggerAuthentication of the namespace`]
          : []),
      ]),
    ),
    ...byKind(objects, 'TriggerAuthentication').flatMap((a) =>
      (a.spec.secretTargetRef ?? [])
        .filter((ref: any) => ref.name !== SECRETS.redis.name || ref.key !== SECRETS.redis.key)
        .map((ref: any) => `${describe(a)}: refers to Secret ${ref.name} key ${ref.key}; KEDA may read only ${SECRETS.redis.name}/${SECRETS.redis.key}`),
    ),
  ],

  'SECRET-SCOPE': (objects) =>
    podWorkloads(objects).flatMap(({ object, pod }) =>
      [...new Set(secretsReadBy(pod))]
        .filter((secret) => !(SECRET_READERS[secret] ?? []).includes(componentOf(object) ?? ''))
        .map((secret) =>
          SECRET_READERS[secret]
            ? `${describe(object)}: reads Secret ${secret}, which only ${SECRET_READERS[secret].join(', ')} may read`
            : `${describe(object)}: reads Secret ${secret}, which no component is listed to read`,
        ),
    ),

  'ENV-ORDER': (objects) =>
    forEachContainer(objects, (c, _pod, where) => {
      const names: string[] = (c.env ?? []).map((e: any) => e.name);
      const refs = (text: string) => [...text.matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]);
      for (const [index, e] of (c.env ?? []).entries()) {
        const bad = refs(e.value ?? '').find((ref) => !names.slice(0, index).includes(ref));
        if (bad) return `${where}: env ${e.name} references $(${bad}) before it is declared`;
      }
      const bad = [...(c.command ?? []), ...(c.args ?? [])].flatMap(refs).find((ref) => !names.includes(ref));
      return bad ? `${where}: command/args reference $(${bad}), which the container does not declare` : undefined;
    }),

  ...SANDBOX_POLICY_RULES,

  'MON-SM': (objects) => {
    const monitors = byKind(objects, 'ServiceMonitor');
    return byKind(objects, 'Service')
      .filter((s) => isAgent(s) || ['gateway', 'bridge'].includes(componentOf(s) ?? ''))
      .flatMap((service) => {
        const metricsPort = service.spec.ports.find((p: any) => p.port === METRICS_PORT);
        if (!metricsPort) return [`${describe(service)}: no port ${METRICS_PORT}`];
        const monitor = monitors.find(
          (m) => selects(m.spec.selector.matchLabels, service.metadata.labels) && m.spec.endpoints.some((e: any) => e.port === metricsPort.name),
        );
        return monitor ? [] : [`${describe(service)}: no ServiceMonitor scrapes port '${metricsPort.name}'`];
      });
  },

  'MON-SELECT': (objects, env) =>
    [...byKind(objects, 'ServiceMonitor'), ...byKind(objects, 'PrometheusRule')].flatMap((o) => {
      const missing = Object.entries(env.monitoring.selectorLabels).filter(([key, value]) => o.metadata.labels?.[key] !== value);
      return missing.length ? [`${describe(o)}: metadata.labels lacks ${missing.map(([k, v]) => `${k}: ${v}`).join(', ')} (monitoring.selectorLabels)`] : [];
    }),

  'MON-NS': (objects, env) => {
    const documented = env.monitoring.configMapsInMonitoringNamespace
      ? MONITORING_NAMESPACE_OBJECTS.filter(({ onlyWithHpa }) => !onlyWithHpa || env.autoscaling.engine === 'hpa')
      : [];
    const misplaced = objects
      .filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== env.namespace)
      .filter((o) => o.metadata.namespace !== env.monitoringNamespace || !documented.some(({ is }) => is(o)))
      .map((o) =>
        o.metadata.namespace === undefined
          ? `${describe(o)}: metadata.namespace is not set (it would land in the kube context's namespace)`
          : `${describe(o)}: outside ${env.namespace}, and not a documented object of ${env.monitoringNamespace}` +
            (documented.length ? '' : ' (monitoring.configMapsInMonitoringNamespace is false)'),
      );
    const missing = documented
      .filter(({ is }) => objects.filter((o) => o.metadata.namespace === env.monitoringNamespace && is(o)).length !== 1)
      .map(({ what }) => `ConfigMap/${env.monitoringNamespace}: not exactly one ${what} ConfigMap`);
    return [...misplaced, ...missing];
  },

  'MON-RULES': (objects) =>
    alertRules(objects).flatMap((rule) => {
      const missing = [
        ...(rule.labels?.severity ? [] : ['labels.severity']),
        ...['summary', 'description', 'runbook_url'].filter((a) => !rule.annotations?.[a]).map((a) => `annotations.${a}`),
        ...(rule.for ? [] : ['for']),
      ];
      return missing.length ? [`alert ${rule.alert}: missing ${missing.join(', ')}`] : [];
    }),

  'MON-CONTRACT': (objects) => {
    const emitted = new Set([...Object.values(METRICS), ...Object.values(GATEWAY_METRICS), ...Object.values(ROLLOUT_METRICS)].flatMap(contractSeriesNames));
    const served = new Map(adapterRules(objects).map(({ rule }) => [rule.name.as, rule]));
    const fromQueries = allQueries(objects).flatMap((use) =>
      metricNames(use.expr ?? '')
        .filter((m) => !emitted.has(m))
        .map((m) => `${use.where}: uses ${m}, which the runtime does not emit`),
    );
    const fromHpas = hpaMetricNames(objects).flatMap((use) =>
      served.has(use.metric!) ? [] : [`${use.where}: ${use.metric} is served by no adapter rule`],
    );
    return [...fromQueries, ...fromHpas];
  },

  LABELS: (objects) => {
    const required = ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'app.kubernetes.io/component'];
    return [
      ...objects.flatMap((o) => {
        const missing = required.filter((l) => !o.metadata.labels?.[l]);
        return missing.length ? [`${describe(o)}: metadata.labels lacks ${missing.join(', ')}`] : [];
      }),
      ...podWorkloads(objects).flatMap(({ object }) => {
        const problems = selects(object.spec.selector?.matchLabels, object.spec.template.metadata.labels)
          ? []
          : [`${describe(object)}: spec.selector does not match the template labels`];
        if (isAgent(object) && !object.metadata.labels?.[ROLE]) problems.push(`${describe(object)}: agent workload lacks ${ROLE}`);
        if (componentOf(object) === 'agent-track' && !object.spec.template.metadata.labels?.[TRACK]) {
          problems.push(`${describe(object)}: agent-track pods lack ${TRACK}`);
        }
        return problems;
      }),
      ...byKind(objects, 'Service').flatMap((s) =>
        podWorkloads(objects).some(({ object }) => selects(s.spec.selector, object.spec.template.metadata.labels))
          ? []
          : [`${describe(s)}: spec.selector matches no workload's pods`],
      ),
    ];
  },

  TRACKS: (objects, env) => {
    const workloads = podWorkloads(objects).map(({ object }) => object);
    const podsOf = (o: KubeObject): Record<string, string> => o.spec.template.metadata.labels ?? {};
    const problems: string[] = [];
    // A selector that picks another workload's pods would count them: a Deployment as its own,
    // an HPA's busy slots and CPU, a PDB's budget, a Service's endpoints.
    const selecting = [
      ...workloads.map((o) => ({ o, selector: o.spec.selector?.matchLabels })),
      ...byKind(objects, 'PodDisruptionBudget').map((o) => ({ o, selector: o.spec.selector?.matchLabels })),
      ...byKind(objects, 'Service').map((o) => ({ o, selector: o.spec.selector })),
    ];
    for (const { o, selector } of selecting) {
      const selected = workloads.filter((w) => selects(selector, podsOf(w)));
      if (selected.length > 1) problems.push(`${describe(o)}: selector ${JSON.stringify(selector)} selects the pods of ${selected.map(describe).join(', ')}`);
    }
    for (const spec of allTracks(env)) {
      const name = workloadName(spec.role, spec.track);
      const deployment = workloads.find((w) => w.kind === 'Deployment' && w.metadata.name === name);
      if (!deployment) {
        problems.push(`Deployment ${name}: missing for the ${spec.track} track of ${spec.role}`);
        continue;
      }
      const container = deployment.spec.template.spec.containers[0];
      const hiveTrack = envValue(objects, container, ENV.track) ?? STABLE_TRACK;
      if (hiveTrack !== spec.track) problems.push(`${describe(deployment)}: ${ENV.track} is ${hiveTrack}, the track is ${spec.track}`);
      const labelled = podsOf(deployment)[TRACK];
      if (spec.track !== STABLE_TRACK && labelled !== spec.track) problems.push(`${describe(deployment)}: pods labelled ${TRACK}=${labelled}, the track is ${spec.track}`);
      if (podsOf(deployment)[ROLE] !== spec.role) problems.push(`${describe(deployment)}: pods labelled ${ROLE}=${podsOf(deployment)[ROLE]}, the role is ${spec.role}`);
      // The same network as the role's stable agents: Redis, the LLM API, scrapes.
      const stable = workloads.find((w) => w.kind === 'Deployment' && w.metadata.name === workloadName(spec.role, STABLE_TRACK));
      const policies = (labels: Record<string, string>) =>
        [
          ...(['Ingress', 'Egress'] as const).flatMap((direction) => policiesFor(objects, labels, direction)),
          ...byKind(objects, 'CiliumNetworkPolicy').filter((p) => podSelectorSelects(p.spec.endpointSelector, labels)),
        ]
          .map(describe)
          .sort();
      if (stable && JSON.stringify(policies(podsOf(deployment))) !== JSON.stringify(policies(podsOf(stable)))) {
        problems.push(`${describe(deployment)}: network policies ${policies(podsOf(deployment)).join(', ')} differ from its stable agents' ${policies(podsOf(stable)).join(', ')}`);
      }
    }
    // Meta is the coordination singleton: never tracked, and it keeps the stream of every track there is.
    for (const meta of workloads.filter((w) => podsOf(w)[ROLE] === 'meta')) {
      const container = meta.spec.template.spec.containers[0];
      if (podsOf(meta)[TRACK] || envValue(objects, container, ENV.track)) problems.push(`${describe(meta)}: meta runs on a track`);
      const told = parseFleetTracks(envValue(objects, container, ENV.fleetTracks));
      if (JSON.stringify(told) !== JSON.stringify(fleetTracks(env))) {
        problems.push(`${describe(meta)}: ${ENV.fleetTracks} lists ${JSON.stringify(told)}, the environment's tracks are ${JSON.stringify(fleetTracks(env))}`);
      }
    }
    return problems;
  },

  NAMES: (objects) =>
    objects.flatMap((o) => {
      const name = o.metadata.name;
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) return [`${describe(o)}: metadata.name is not a DNS label`];
      return /-c8[a-z0-9]{6,}$/.test(name) || /-[a-f0-9]{8,}$/.test(name) ? [`${describe(o)}: metadata.name looks hashed`] : [];
    }),
};

/** Rules checked elsewhere, by their own tests: the file that proves each. */
export const RULES_WITH_OWN_TESTS: Record<string, string> = {
  'MON-PROMQL': 'tests/monitoring/promql.test.ts and tests/monitoring/promtool.test.ts',
  SCHEMA: 'tests/infra/schema.test.ts',
};

