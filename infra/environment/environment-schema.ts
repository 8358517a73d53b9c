import { z } from 'zod';
import { AGENT_ROLES, ENV, SANDBOX_LIMIT_BOUNDS, SCALABLE_ROLES, ScalableRole, STABLE_TRACK, trackNameProblem } from '../../agent-runtime/src/contract';
import { CONTAINER_MAX_MEMORY } from '../constructs/namespace/hive-namespace';
import { mebibytes } from '../constructs/workload/quantities';
import { isPinnedByDigest } from '../images/node-image';

const KUBE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY = /^\d+(Ki|Mi|Gi)$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const HOSTNAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const kubeName = z.string().max(63).regex(KUBE_NAME, 'must be a lowercase DNS label (a-z, 0-9, -)');
const cpu = z.string().regex(CPU, "must be a CPU quantity such as '250m' or '1'");
const memory = z.string().regex(MEMORY, "must be a memory quantity such as '512Mi' or '2Gi'");
const positiveInt = z.number().int().positive();

/** A label key: an optional DNS-subdomain prefix and `/`, then a name of up to 63 characters. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** Set by the chart on every object (workload/labels.ts); an environment may not override them. */
const CHART_LABEL_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'app.kubernetes.io/component', 'agent-hive/role'];

const selectorLabels = z
  .record(z.string().regex(LABEL_KEY, 'must be a label key such as "release" or "example.com/team"'), z.string().regex(LABEL_VALUE, 'must be a label value (63 characters at most)'))
  .superRefine((labels, ctx) => {
    for (const key of Object.keys(labels).filter((k) => CHART_LABEL_KEYS.includes(k))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `must not set '${key}': the chart sets it on every object` });
    }
  });

/** Requests and limits of one container; a CPU limit is deliberately not offered (see agent-deployment.ts). */
const resources = z
  .object({
    cpuRequest: cpu,
    memoryRequest: memory,
    memoryLimit: memory,
  })
  .strict();

/** Roles that may scale to zero (with KEDA): rare work, where a first task may wait for a pod. */
export const SCALE_TO_ZERO_ROLES: readonly ScalableRole[] = ['architect', 'qa'];

/** A track's name: one the runtime accepts, other than the role's own (stable) and the old system's (legacy). */
const trackName = z.string().superRefine((name, ctx) => {
  const problem = name === STABLE_TRACK ? `\`${STABLE_TRACK}\` is the role itself: set its values on the role` : trackNameProblem(name);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** Deploys run tested digests, so another image than the role's is named by its digest too. */
const imageByDigest = z.string().refine(isPinnedByDigest, 'must name the image by digest (<repository>@sha256:<64 hex digits>): a tag can move');

/** A track at zero runs no pod and has no autoscaler: the old track once a rollout reached 100 %, or a new one not in use yet. */
const zeroReplicas = z.literal(0, {
  errorMap: () => ({ message: 'must be 0 (no pod, no autoscaler) or left out (the track scales between minReplicas and maxReplicas)' }),
});

/**
 * Another track of a role (README: "Tracks and routing"): its own Deployment, autoscaler and
 * PDB, consuming `<prefix>:tasks:<role>:<track>`. Every value left out is the role's.
 */
const track = z
  .object({
    /** Another image than the role's tested one, e.g. with another prompt. */
    image: imageByDigest.optional(),
    /** ANTHROPIC_MODEL of the track's agents. */
    model: z.string().min(1).optional(),
    maxTurns: positiveInt.max(200).optional(),
    maxTokensPerTask: positiveInt.optional(),
    concurrency: positiveInt.max(64).optional(),
    minReplicas: z.number().int().min(0).optional(),
    maxReplicas: positiveInt.optional(),
    resources: resources.optional(),
    replicas: zeroReplicas.optional(),
  })
  .strict();

const scalableRole = z
  .object({
    /** 0 only for SCALE_TO_ZERO_ROLES with autoscaling.engine keda (checked on the whole environment). */
    minReplicas: z.number().int().min(0),
    maxReplicas: positiveInt,
    /** Tasks in flight per agent (HIVE_CONCURRENCY). */
    concurrency: positiveInt.max(64),
    resources,
    /** 0: the stable track runs no pod and has no autoscaler (after a rollout to another track reached 100 %). */
    replicas: zeroReplicas.optional(),
    /** The role's other tracks, by name. */
    tracks: z.record(trackName, track).default({}),
  })
  .strict()
  .superRefine((role, ctx) => {
    const ranges: Array<{ path: Array<string>; min: number; max: number; minOwn: boolean }> = [
      { path: [], min: role.minReplicas, max: role.maxReplicas, minOwn: true },
      ...Object.entries(role.tracks).map(([name, t]) => ({
        path: ['tracks', name],
        min: t.minReplicas ?? role.minReplicas,
        max: t.maxReplicas ?? role.maxReplicas,
        minOwn: t.minReplicas !== undefined || t.maxReplicas === undefined,
      })),
    ];
    for (const { path, min, max, minOwn } of ranges.filter((r) => r.min > r.max)) {
      // Blame the value the track set: its own minReplicas, or its maxReplicas below the role's minimum.
      ctx.addIssue(
        minOwn
          ? { code: z.ZodIssueCode.custom, path: [...path, 'minReplicas'], message: `must be <= maxReplicas (${max}), got ${min}` }
          : { code: z.ZodIssueCode.custom, path: [...path, 'maxReplicas'], message: `must be >= minReplicas (${min}, the role's), got ${max}` },
      );
    }
  });

/** A key meta refuses with the reason, rather than zod's "unrecognized key". */
const notForMeta = (message: string) => z.undefined({ errorMap: () => ({ message }) }).optional();

const metaRole = z
  .object({
    concurrency: positiveInt.max(64),
    resources,
    tracks: notForMeta('meta is the coordination singleton: it has no tracks'),
    replicas: notForMeta('meta is the coordination singleton: it always runs exactly one pod'),
  })
  .strict();

const inClusterStore = z
  .object({
    mode: z.literal('in-cluster'),
    /** Pinned image of the data store (an immutable version tag or a digest). */
    image: z.string().regex(/(@sha256:[a-f0-9]{64}|:[\w][\w.-]*)$/, 'must be pinned by tag or digest').refine((i) => !i.endsWith(':latest'), 'must not use :latest'),
    storage: memory,
    resources,
  })
  .strict();

const externalStore = z
  .object({
    mode: z.literal('external'),
    host: z.string().regex(HOSTNAME, 'must be a hostname'),
    port: positiveInt.max(65535),
    /** Where the managed endpoint lives, for the egress NetworkPolicy. */
    cidr: z.string().regex(CIDR, "must be a CIDR such as '10.20.0.0/24'"),
    tls: z.boolean(),
  })
  .strict();

const dataStore = z.discriminatedUnion('mode', [inClusterStore, externalStore]);

/** An IngressClass or Secret name: a DNS subdomain. */
const kubeSubdomain = z.string().max(253).regex(HOSTNAME, 'must be a lowercase DNS subdomain (a-z, 0-9, -, .)');

const gatewayIngress = z
  .object({
    /** IngressClass of the controller that serves the host. */
    className: kubeSubdomain,
    host: z.string().regex(HOSTNAME, 'must be a hostname'),
    /** Secret (kubernetes.io/tls) in the environment's namespace holding the host's certificate; the bearer tokens never cross plain HTTP. */
    tlsSecretName: kubeSubdomain,
    /** Namespace the ingress controller's pods run in: the NetworkPolicy admits them to the A2A port. */
    controllerNamespace: kubeName,
    /** Controller-specific settings (body size, buffering, timeouts), copied onto the Ingress. */
    annotations: z.record(z.string().regex(LABEL_KEY, 'must be an annotation key such as "example.com/setting"'), z.string()).default({}),
  })
  .strict();

/**
 * The A2A gateway. The integer ranges are those the gateway itself accepts
 * (it refuses to start otherwise), so a bad value stops synth instead.
 */
const gateway = z
  .object({
    /** At least 2: one pod is always serving while another restarts or is evicted. */
    minReplicas: positiveInt.min(2, 'must be >= 2, so one gateway serves while another restarts'),
    maxReplicas: positiveInt,
    resources,
    /** Base URL the agent cards advertise: how clients reach the gateway. */
    publicUrl: z.string().url().refine((u) => /^https?:\/\/[^/]+\/?$/.test(u), 'must be an http(s) URL without a path, such as https://hive.example.com'),
    /** Days a finished task stays in the history (HIVE_TASK_RETENTION_DAYS). */
    retentionDays: positiveInt.max(3650),
    /** Requests per second per client (HIVE_GATEWAY_RATE_LIMIT). */
    rateLimit: positiveInt.max(100_000),
    /** Unfinished tasks per client (HIVE_GATEWAY_MAX_IN_FLIGHT). */
    maxInFlight: positiveInt.max(1_000_000),
    /** Largest request body in bytes (HIVE_GATEWAY_MAX_BODY_BYTES). */
    maxBodyBytes: positiveInt
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    /** Namespaces whose pods may call the A2A port directly, inside the cluster. */
    ingressNamespaces: z.array(kubeName).default([]),
    /** An Ingress for clients outside the cluster; omitted: none. */
    ingress: gatewayIngress.optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.minReplicas > g.maxReplicas) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['minReplicas'], message: `must be <= maxReplicas (${g.maxReplicas}), got ${g.minReplicas}` });
    }
    if (!g.ingress && g.ingressNamespaces.length === 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ingressNamespaces'],
        message: 'must name at least one namespace when there is no ingress: nothing could reach the gateway',
      });
    }
    if (g.ingress && g.publicUrl.replace(/\/$/, '') !== `https://${g.ingress.host}`) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['publicUrl'],
        message: `must be https://${g.ingress.host}, the ingress host (the agent cards send clients there), got ${g.publicUrl}`,
      });
    }
  });

/** A Redis key of the old system: what its producers and workers name, beyond the runtime's prefix. */
const redisKey = z.string().regex(/^[A-Za-z0-9_.:{}\/-]{1,256}$/, "must be a Redis key of 1-256 letters, digits or '_.:{}/-'");

/**
 * The bridge: moves the tasks the old producers still push onto the role's tracks, by the
 * role's weights (the legacy track's share goes to `legacy.list`).
 */
const bridge = z
  .object({
    /** The list the old producers LPUSH to. */
    source: redisKey,
    /** The role whose weights route what the bridge takes. */
    role: z.enum(SCALABLE_ROLES),
    /** 0 once the old producers are gone. One at most: the bridge is a single consumer of its list. */
    replicas: z.number().int().min(0).max(1).default(1),
    resources: resources.default({ cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' }),
  })
  .strict();

/** The old system (README: "Migrating from the old agents"). */
const legacy = z
  .object({
    /** The list the old workers BRPOP from: where tasks routed to the legacy track go. */
    list: redisKey,
    bridge: bridge.optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.bridge?.source === l.list) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['bridge', 'source'], message: `must differ from legacy.list (${l.list}): the bridge would route the legacy share back to itself` });
    }
  });

const keda = z
  .object({
    /** Namespace of KEDA's operator and metrics server: admitted to an in-cluster Redis. */
    namespace: kubeName.default('keda'),
    /** Prometheus that KEDA's busy-slots trigger queries, e.g. http://kube-prometheus-stack-prometheus.monitoring.svc:9090. */
    prometheusUrl: z.string().url(),
    /** How often KEDA checks whether a role at zero has work (its default: 30). */
    pollingIntervalSeconds: positiveInt.max(300).default(30),
    /** How long a role scaled to zero waits idle before its last agent goes (KEDA's default: 300). */
    cooldownPeriodSeconds: positiveInt.max(3600).default(300),
  })
  .strict();

/** What the agents scale towards, whichever engine scales them. */
const scalingTargets = {
  /** Queued tasks per agent before another agent is added. */
  backlogPerAgent: positiveInt,
  /** Share of busy slots (in flight / capacity) to aim for, in (0, 1]. */
  busyRatioTarget: z.number().gt(0).max(1),
  /** How long load must stay low before agents are removed. */
  scaleDownStabilizationSeconds: positiveInt.min(60).max(3600),
};

/**
 * 'hpa' (the default): HPAs on metrics prometheus-adapter serves. 'keda': a KEDA
 * ScaledObject per role, reading the task streams from Redis itself; no prometheus-adapter.
 */
const autoscaling = z.preprocess(
  (raw) => (raw !== null && typeof raw === 'object' && !('engine' in raw) ? { ...raw, engine: 'hpa' } : raw),
  z.discriminatedUnion('engine', [
    z.object({ engine: z.literal('hpa'), ...scalingTargets }).strict(),
    z.object({ engine: z.literal('keda'), keda, ...scalingTargets }).strict(),
  ]),
);

/** Roles that get a sandbox when `sandbox.roles` is not given: those whose work is code. */
export const DEFAULT_SANDBOX_ROLES: readonly ScalableRole[] = ['developer', 'qa'];

/** A sandbox limit within the range the runtime accepts (it refuses to start otherwise). */
const sandboxLimit = (name: keyof typeof SANDBOX_LIMIT_BOUNDS) => positiveInt.min(SANDBOX_LIMIT_BOUNDS[name].min).max(SANDBOX_LIMIT_BOUNDS[name].max).optional();

/** Per-task command limits the runtime enforces (its defaults apply to any left out). */
const sandboxLimits = z
  .object({
    /** Commands per task (HIVE_MAX_COMMANDS). */
    maxCommands: sandboxLimit('maxCommands'),
    /** Total command time per task, in seconds (HIVE_MAX_COMMAND_SECONDS). */
    maxCommandSeconds: sandboxLimit('maxCommandSeconds'),
    /** Time one command may take, in seconds (HIVE_COMMAND_TIMEOUT_SECONDS). */
    commandTimeoutSeconds: sandboxLimit('commandTimeoutSeconds'),
    /** Output kept per stream of a command, in bytes (HIVE_COMMAND_OUTPUT_BYTES). */
    commandOutputBytes: sandboxLimit('commandOutputBytes'),
    /** Largest patch a result carries, in bytes (HIVE_MAX_PATCH_BYTES). */
    maxPatchBytes: sandboxLimit('maxPatchBytes'),
  })
  .strict()
  .superRefine((limits, ctx) => {
    if (limits.commandTimeoutSeconds !== undefined && limits.maxCommandSeconds !== undefined && limits.commandTimeoutSeconds > limits.maxCommandSeconds) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['commandTimeoutSeconds'],
        message: `must be <= maxCommandSeconds (${limits.maxCommandSeconds}), got ${limits.commandTimeoutSeconds}`,
      });
    }
  });

/**
 * Where the agents clone from and push to: the host the git tokens are for
 * (HIVE_GIT_HOST), and the egress rule (by `fqdn` or `cidr`, as `egress` enforces).
 */
const gitHost = z
  .object({
    /**
     * Host name: the only host the agents send a git token to (HIVE_GIT_HOST),
     * whatever the egress mode, and the CiliumNetworkPolicy's (egress cilium-fqdn).
     */
    fqdn: z.string({ required_error: `must be set: the git tokens go to this host only (${ENV.gitHost}), also with egress cidr` }).regex(HOSTNAME, 'must be a hostname such as github.com'),
    /** Where it lives, for the NetworkPolicy (egress cidr). */
    cidr: z.string().regex(CIDR, "must be a CIDR such as '10.30.4.0/24'").optional(),
    /** HTTPS port: the token is an HTTPS credential. */
    port: positiveInt.max(65535).default(443),
  })
  .strict();

/**
 * The sandbox sidecar: a second container in the pods of `roles`, where the
 * commands an agent runs execute, without any Secret (README: "The sandbox sidecar in the cluster").
 */
const sandbox = z
  .object({
    /** Roles whose pods get the sidecar (and so the run_command tool); never meta, the coordinator. */
    roles: z
      .array(z.enum(AGENT_ROLES as unknown as [string, ...string[]]))
      .default([...DEFAULT_SANDBOX_ROLES])
      .superRefine((roles, ctx) => {
        if (roles.includes('meta')) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must not include meta: the coordinator runs no code' });
        const repeated = roles.filter((role, i) => roles.indexOf(role) !== i);
        if (repeated.length > 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must not repeat a role, got ${repeated.join(', ')} twice` });
      })
      .transform((roles) => roles as ScalableRole[]),
    /** A toolchain image of your own, by digest (it must run the sandbox server: README); omitted: the sandbox image `npm run images` builds and tests. */
    image: imageByDigest.optional(),
    resources: resources.superRefine((r, ctx) => {
      if (mebibytes(r.memoryLimit) > mebibytes(CONTAINER_MAX_MEMORY)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['memoryLimit'], message: `must be <= ${CONTAINER_MAX_MEMORY}, the namespace LimitRange's maximum per container, got ${r.memoryLimit}` });
      }
    }),
    /** The shared workspace of a pod with a sandbox: clones, dependencies and build output of its tasks in flight (the agent's own is 2Gi). */
    workspaceSize: memory.default('4Gi'),
    /** Omitted: no egress rule for a git host (with egress cidr, public HTTPS hosts are reachable anyway). */
    gitHost: gitHost.optional(),
    limits: sandboxLimits.default({}),
  })
  .strict();

export const environmentSchema = z
  .object({
    namespace: kubeName,
    /** Namespace of Prometheus, Grafana and prometheus-adapter: allowed to scrape 9090. */
    monitoringNamespace: kubeName,
    image: z.object({ registry: z.string().min(1).regex(/^[a-z0-9.:/_-]+$/, 'must be a registry path such as registry.example.com/agent-hive') }).strict(),
    llm: z
      .object({
        model: z.string().min(1),
        /** Host of the Messages API; the FQDN egress rule allows only this host. */
        apiHost: z.string().regex(HOSTNAME, 'must be a hostname'),
        maxTurns: positiveInt.max(200),
        maxTokensPerTask: positiveInt,
      })
      .strict(),
    /** 'cidr': HTTPS to any public address; 'cilium-fqdn': a CiliumNetworkPolicy naming only the LLM API host. */
    egress: z.enum(['cidr', 'cilium-fqdn']),
    redis: dataStore,
    postgres: dataStore,
    runtime: z
      .object({
        claimIdleMs: positiveInt.min(1000),
        maxDeliveries: positiveInt.max(100),
        shutdownGraceMs: positiveInt.min(1000),
      })
      .strict(),
    roles: z
      .object({
        ...Object.fromEntries(SCALABLE_ROLES.map((r) => [r, scalableRole])),
        meta: metaRole,
      } as Record<(typeof SCALABLE_ROLES)[number], typeof scalableRole> & { meta: typeof metaRole })
      .strict(),
    autoscaling,
    gateway,
    /** The old system's queue and the bridge from it; omitted: no legacy track. */
    legacy: legacy.optional(),
    /** Omitted: no role has a sandbox. */
    sandbox: sandbox.optional(),
    alerts: z
      .object({
        spawnSeconds: z.number().positive(),
        /** Target for the p99 pick-up latency (HivePickupLatencyHigh): the source document's "dispatch latency". */
        dispatchP99Seconds: z.number().positive(),
        /** Orchestration faults (Redis errors, crash reclaims, dead letters, lost tasks) per finished task: the SLA's 0.1 %. */
        failureRatio: z.number().gt(0).lt(1),
        /** Tasks that failed on what the model or API did (budget, refusal, API errors) per finished task. */
        modelFailureRatio: z.number().gt(0).lt(1).default(0.05),
        backlogThreshold: positiveInt,
        /** Share of gateway requests answered with a 5xx (HiveGatewayErrorRateHigh). */
        gatewayErrorRatio: z.number().gt(0).lt(1).default(0.05),
        /** Target for the gateway's p99 response time, streams aside (HiveGatewayLatencyHigh): the source document's 100 ms. */
        gatewayP99Seconds: z.number().positive().default(0.1),
        /** Multiplies every alert's `for:`; end-to-end tests shrink it to see alerts fire in seconds. */
        forScale: z.number().gt(0).max(10),
        runbookBaseUrl: z.string().url(),
      })
      .strict(),
    dashboard: z.object({ grafanaFolder: z.string().min(1) }).strict(),
    /** How the cluster's monitoring stack finds the environment's monitoring objects. */
    monitoring: z
      .object({
        /**
         * Labels on every ServiceMonitor and PrometheusRule: what Prometheus' serviceMonitorSelector
         * and ruleSelector match. kube-prometheus-stack selects `release: <its Helm release>`.
         */
        selectorLabels: selectorLabels.default({ release: 'kube-prometheus-stack' }),
        /**
         * Whether to render the objects that live in `monitoringNamespace` (the Grafana dashboard and
         * the prometheus-adapter rules ConfigMaps). Off where that namespace does not exist, or
         * belongs to another team: applying into a missing namespace fails.
         */
        configMapsInMonitoringNamespace: z.boolean().default(true),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((env, ctx) => {
    for (const role of SCALABLE_ROLES) {
      const spec = env.roles[role];
      const minimums: Array<{ path: string[]; min: number }> = [
        { path: [], min: spec.minReplicas },
        ...Object.entries(spec.tracks)
          .filter(([, t]) => t.minReplicas !== undefined && t.replicas === undefined)
          .map(([name, t]) => ({ path: ['tracks', name], min: t.minReplicas! })),
      ];
      for (const { path } of minimums.filter((m) => m.min === 0)) {
        if (env.autoscaling.engine !== 'keda' || !SCALE_TO_ZERO_ROLES.includes(role)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['roles', role, ...path, 'minReplicas'],
            message: `must be >= 1: only ${SCALE_TO_ZERO_ROLES.join(' and ')} scale to zero, and only with autoscaling.engine keda (replicas: 0 stops a track instead)`,
          });
        }
      }
    }
  })
  .superRefine((env, ctx) => {
    // The git host is named the way the egress mode can enforce: by FQDN through Cilium, else by CIDR (fqdn is always required: the tokens' host).
    const host = env.sandbox?.gitHost;
    if (host && env.egress === 'cidr' && host.cidr === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['sandbox', 'gitHost', 'cidr'], message: `must be set: egress is ${env.egress}, which allows the git host by CIDR` });
    }
  })
  .superRefine((env, ctx) => {
    // Tasks of one agent share the sandbox's uid: one task's command could read another's directory and its git token in flight.
    for (const role of env.sandbox?.roles ?? []) {
      const spec = env.roles[role];
      const concurrencies: Array<{ path: string[]; value: number | undefined }> = [
        { path: [], value: spec.concurrency },
        ...Object.entries(spec.tracks).map(([name, t]) => ({ path: ['tracks', name], value: t.concurrency })),
      ];
      for (const { path, value } of concurrencies.filter((c) => c.value !== undefined && c.value > 1)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['roles', role, ...path, 'concurrency'],
          message: `must be 1: ${role} has a sandbox (sandbox.roles), and tasks sharing one sandbox could read each other's files and git tokens; raise maxReplicas instead, got ${value}`,
        });
      }
    }
  });

export type ResourceSpec = z.infer<typeof resources>;
export type TrackOverrides = z.infer<typeof track>;
export type ScalableRoleSpec = z.infer<typeof scalableRole>;
export type DataStoreSpec = z.infer<typeof dataStore>;
export type InClusterStoreSpec = z.infer<typeof inClusterStore>;
export type GatewaySpec = z.infer<typeof gateway>;
export type BridgeSpec = z.infer<typeof bridge>;
export type SandboxSpec = z.infer<typeof sandbox>;
export type GitHostSpec = z.infer<typeof gitHost>;
export type SandboxLimits = z.infer<typeof sandboxLimits>;

/** A validated environment. `name` is the stack name (staging, prod). */
export type Environment = z.infer<typeof environmentSchema> & { readonly name: string };
