import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentRole, ENV, STABLE_TRACK } from '../../agent-runtime/src/contract';
import { formatFleetTracks } from '../../agent-runtime/src/config/fleet-tracks';
import { AgentDeploymentProps, agentWorkloadName } from '../constructs/agents/agent-deployment';
import { AgentRoleProps, AgentRoleWorkload, AutoscalingProps, SCALED_TO_ZERO } from '../constructs/agents/agent-role';
import { REDIS_TRIGGER_AUTHENTICATION, redisTriggerAuthentication } from '../constructs/agents/redis-trigger-authentication';
import { RuntimeConfig } from '../constructs/agents/runtime-config';
import { postgresStore, POSTGRES_PORT } from '../constructs/data-plane/postgres-store';
import { redisStore, REDIS_PORT } from '../constructs/data-plane/redis-store';
import { AdapterRulesConfigMap } from '../constructs/monitoring/adapter-rules-config-map';
import { GrafanaDashboard } from '../constructs/monitoring/grafana-dashboard';
import { HiveAlertRules } from '../constructs/monitoring/hive-alert-rules';
import { HiveNamespace } from '../constructs/namespace/hive-namespace';
import { HiveBridge } from '../constructs/bridge/hive-bridge';
import { HiveGateway } from '../constructs/gateway/hive-gateway';
import { GitHostEgress } from '../constructs/namespace/git-host-egress';
import { HiveNetworkPolicies, StoreEndpoint } from '../constructs/namespace/hive-network-policies';
import { DataStoreSpec, Environment } from '../environment/environment-schema';
import { allTracks, fleetTracks, ResolvedTrack } from '../environment/role-tracks';
import { hasSandbox } from '../environment/sandbox-roles';
import { namespaceQuota } from './workload-capacity';

/** The image of every workload that runs the runtime: one per agent role, the gateway's, and the sandbox sidecar's. */
export type WorkloadImages = Readonly<Record<AgentRole | 'gateway' | 'sandbox', string>>;

export interface HiveChartProps {
  readonly environment: Environment;
  /** Image reference per role, for the gateway and the sandbox, pinned (content-hash tag or digest). */
  readonly images: WorkloadImages;
}

/** Everything one environment runs: namespace, network, data plane, agents, gateway, monitoring. */
export class HiveChart extends Chart {
  /** Each role's stable track; the other tracks are `agent-<role>-<track>` children of the chart. */
  readonly roles: Readonly<Record<AgentRole, AgentRoleWorkload>>;
  readonly gateway: HiveGateway;
  /** The bridge from the old system, when the environment has one. */
  readonly bridge?: HiveBridge;

  constructor(scope: Construct, id: string, props: HiveChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const env = props.environment;
    const namespace = new HiveNamespace(this, 'namespace', { name: env.namespace, quota: namespaceQuota(env) }).name;

    new HiveNetworkPolicies(this, 'network', {
      namespace,
      monitoringNamespace: env.monitoringNamespace,
      egress: env.egress,
      llmApiHost: env.llm.apiHost,
      redis: storeEndpoint(env.redis, 'redis', REDIS_PORT),
      postgres: storeEndpoint(env.postgres, 'postgres', POSTGRES_PORT),
      gatewayClientNamespaces: [...env.gateway.ingressNamespaces, ...(env.gateway.ingress ? [env.gateway.ingress.controllerNamespace] : [])],
      kedaNamespace: env.autoscaling.engine === 'keda' ? env.autoscaling.keda.namespace : undefined,
      bridge: env.legacy?.bridge !== undefined,
    });

    if (env.sandbox?.gitHost && env.sandbox.roles.length > 0) {
      new GitHostEgress(this, 'git-host-egress', { namespace, roles: env.sandbox.roles, gitHost: env.sandbox.gitHost, egress: env.egress });
    }

    if (env.redis.mode === 'in-cluster') redisStore(this, namespace, env.redis);
    if (env.postgres.mode === 'in-cluster') postgresStore(this, namespace, env.postgres);

    const config = new RuntimeConfig(this, 'runtime-config', { environment: env });
    if (env.autoscaling.engine === 'keda') redisTriggerAuthentication(this, namespace);
    const workload = (role: AgentRole, id: string, props: Pick<AgentRoleProps, 'image' | 'resources' | 'concurrency' | 'autoscaling' | 'track' | 'settings' | 'sandbox'>) =>
      new AgentRoleWorkload(this, id, {
        namespace,
        role,
        configMapName: config.name,
        configChecksum: config.checksum,
        shutdownGraceMs: env.runtime.shutdownGraceMs,
        prometheusSelectorLabels: env.monitoring.selectorLabels,
        ...props,
      });
    const tracks = allTracks(env).map((spec) => ({
      spec,
      workload: workload(spec.role, agentWorkloadName(spec.role, spec.track), {
        image: spec.image ?? props.images[spec.role],
        resources: spec.resources,
        concurrency: spec.concurrency,
        track: spec.track,
        settings: trackSettings(spec),
        autoscaling: spec.scaledToZero ? SCALED_TO_ZERO : autoscaling(env, spec, namespace),
        sandbox: sandboxOf(env, spec.role, props.images.sandbox),
      }),
    }));
    // Meta keeps every track's stream; it learns them from its own Deployment, so adding a track restarts meta alone.
    const others = fleetTracks(env);
    const meta = workload('meta', 'agent-meta', {
      image: props.images.meta,
      resources: env.roles.meta.resources,
      concurrency: env.roles.meta.concurrency,
      settings: others.length > 0 ? { [ENV.fleetTracks]: formatFleetTracks(others) } : {},
    });
    const stable = tracks.filter((t) => t.spec.track === STABLE_TRACK).map((t) => [t.spec.role, t.workload]);
    this.roles = { ...Object.fromEntries(stable), meta } as Record<AgentRole, AgentRoleWorkload>;

    this.gateway = new HiveGateway(this, 'gateway', {
      namespace,
      image: props.images.gateway,
      spec: env.gateway,
      configMapName: config.name,
      configChecksum: config.checksum,
      prometheusSelectorLabels: env.monitoring.selectorLabels,
    });

    if (env.legacy?.bridge) {
      this.bridge = new HiveBridge(this, 'bridge', {
        namespace,
        // The base image holds the bridge's entry point, as it holds the gateway's.
        image: props.images.gateway,
        spec: env.legacy.bridge,
        legacyList: env.legacy.list,
        configMapName: config.name,
        configChecksum: config.checksum,
        prometheusSelectorLabels: env.monitoring.selectorLabels,
      });
    }

    new HiveAlertRules(this, 'alerts', { environment: env });
    // The only objects outside the environment's namespace; applying them needs the monitoring namespace to exist.
    if (env.monitoring.configMapsInMonitoringNamespace) {
      new GrafanaDashboard(this, 'dashboard', { namespace, monitoringNamespace: env.monitoringNamespace, folder: env.dashboard.grafanaFolder });
      // KEDA serves its own metrics to the HPAs it makes: no prometheus-adapter then.
      if (env.autoscaling.engine === 'hpa') new AdapterRulesConfigMap(this, 'adapter-rules', { namespace, monitoringNamespace: env.monitoringNamespace });
    }
  }
}

/** The sandbox sidecar of the role's agents (every track's), if the environment gives it one. */
function sandboxOf(env: Environment, role: AgentRole, image: string): AgentDeploymentProps['sandbox'] {
  const sandbox = env.sandbox;
  if (!sandbox || !hasSandbox(env, role)) return undefined;
  // The port always: the agent compares it with the repository URL's (443 for https when the URL has none).
  const gitHost = sandbox.gitHost && `${sandbox.gitHost.fqdn}:${sandbox.gitHost.port}`;
  return { image, resources: sandbox.resources, limits: sandbox.limits, workspaceSize: sandbox.workspaceSize, gitHost };
}

/** What a track sets beyond the environment's runtime ConfigMap: its model and task budget, if it has its own. */
function trackSettings(spec: ResolvedTrack): Record<string, string> {
  const settings: Array<[string, string | number | undefined]> = [
    [ENV.anthropicModel, spec.model],
    [ENV.maxTurns, spec.maxTurns],
    [ENV.maxTokens, spec.maxTokensPerTask],
  ];
  return Object.fromEntries(settings.filter(([, value]) => value !== undefined).map(([name, value]) => [name, String(value)]));
}

function autoscaling(env: Environment, spec: ResolvedTrack, namespace: string): AutoscalingProps {
  const range = { minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas };
  const { backlogPerAgent, busyRatioTarget, scaleDownStabilizationSeconds } = env.autoscaling;
  const targets = { ...range, backlogPerAgent, busyRatioTarget, scaleDownStabilizationSeconds };
  if (env.autoscaling.engine === 'hpa') return { engine: 'hpa', ...targets };
  const { keda } = env.autoscaling;
  const redis = env.redis;
  return {
    engine: 'keda',
    ...targets,
    // KEDA runs in its own namespace: the in-cluster Service by its full name.
    redis: {
      address: redis.mode === 'in-cluster' ? `redis.${namespace}.svc:${REDIS_PORT}` : `${redis.host}:${redis.port}`,
      tls: redis.mode === 'external' && redis.tls,
      authenticationName: REDIS_TRIGGER_AUTHENTICATION,
    },
    prometheusUrl: keda.prometheusUrl,
    pollingIntervalSeconds: keda.pollingIntervalSeconds,
    cooldownPeriodSeconds: keda.cooldownPeriodSeconds,
  };
}

function storeEndpoint(store: DataStoreSpec, component: 'redis' | 'postgres', inClusterPort: number): StoreEndpoint {
  return store.mode === 'in-cluster'
    ? { kind: 'in-cluster', component, port: inClusterPort }
    : { kind: 'external', cidr: store.cidr, port: store.port };
}
