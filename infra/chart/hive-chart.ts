import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AGENT_ROLES, AgentRole, ScalableRole } from '../../agent-runtime/src/contract';
import { AgentDeploymentProps } from '../constructs/agents/agent-deployment';
import { AgentRoleWorkload, AutoscalingProps } from '../constructs/agents/agent-role';
import { REDIS_TRIGGER_AUTHENTICATION, redisTriggerAuthentication } from '../constructs/agents/redis-trigger-authentication';
import { RuntimeConfig } from '../constructs/agents/runtime-config';
import { postgresStore, POSTGRES_PORT } from '../constructs/data-plane/postgres-store';
import { redisStore, REDIS_PORT } from '../constructs/data-plane/redis-store';
import { AdapterRulesConfigMap } from '../constructs/monitoring/adapter-rules-config-map';
import { GrafanaDashboard } from '../constructs/monitoring/grafana-dashboard';
import { HiveAlertRules } from '../constructs/monitoring/hive-alert-rules';
import { HiveNamespace } from '../constructs/namespace/hive-namespace';
import { HiveGateway } from '../constructs/gateway/hive-gateway';
import { GitHostEgress } from '../constructs/namespace/git-host-egress';
import { HiveNetworkPolicies, StoreEndpoint } from '../constructs/namespace/hive-network-policies';
import { DataStoreSpec, Environment } from '../environment/environment-schema';
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
  readonly roles: Readonly<Record<AgentRole, AgentRoleWorkload>>;
  readonly gateway: HiveGateway;

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
    });
    if (env.sandbox?.gitHost && env.sandbox.roles.length > 0) {
      new GitHostEgress(this, 'git-host-egress', { namespace, roles: env.sandbox.roles, gitHost: env.sandbox.gitHost, egress: env.egress });
    }

    if (env.redis.mode === 'in-cluster') redisStore(this, namespace, env.redis);
    if (env.postgres.mode === 'in-cluster') postgresStore(this, namespace, env.postgres);

    const config = new RuntimeConfig(this, 'runtime-config', { environment: env });
    if (env.autoscaling.engine === 'keda') redisTriggerAuthentication(this, namespace);
    this.roles = Object.fromEntries(
      AGENT_ROLES.map((role) => {
        const spec = role === 'meta' ? env.roles.meta : env.roles[role];
        const workload = new AgentRoleWorkload(this, `agent-${role}`, {
          namespace,
          role,
          image: props.images[role],
          resources: spec.resources,
          concurrency: spec.concurrency,
          configMapName: config.name,
          configChecksum: config.checksum,
          shutdownGraceMs: env.runtime.shutdownGraceMs,
          prometheusSelectorLabels: env.monitoring.selectorLabels,
          autoscaling: role === 'meta' ? undefined : autoscaling(env, role, namespace),
          sandbox: sandboxOf(env, role, props.images.sandbox),
        });
        return [role, workload];
      }),
    ) as Record<AgentRole, AgentRoleWorkload>;

    this.gateway = new HiveGateway(this, 'gateway', {
      namespace,
      image: props.images.gateway,
      spec: env.gateway,
      configMapName: config.name,
      configChecksum: config.checksum,
      prometheusSelectorLabels: env.monitoring.selectorLabels,
    });

    new HiveAlertRules(this, 'alerts', { environment: env });
    // The only objects outside the environment's namespace; applying them needs the monitoring namespace to exist.
    if (env.monitoring.configMapsInMonitoringNamespace) {
      new GrafanaDashboard(this, 'dashboard', { namespace, monitoringNamespace: env.monitoringNamespace, folder: env.dashboard.grafanaFolder });
      // KEDA serves its own metrics to the HPAs it makes: no prometheus-adapter then.
      if (env.autoscaling.engine === 'hpa') new AdapterRulesConfigMap(this, 'adapter-rules', { namespace, monitoringNamespace: env.monitoringNamespace });
    }
  }
}

function autoscaling(env: Environment, role: ScalableRole, namespace: string): AutoscalingProps {
  const range = { minReplicas: env.roles[role].minReplicas, maxReplicas: env.roles[role].maxReplicas };
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

/** The role's sandbox sidecar, if the environment gives it one. */
function sandboxOf(env: Environment, role: AgentRole, image: string): AgentDeploymentProps['sandbox'] {
  const sandbox = env.sandbox;
  if (!sandbox || !hasSandbox(env, role)) return undefined;
  return { image, resources: sandbox.resources, limits: sandbox.limits, workspaceSize: sandbox.workspaceSize };
}

function storeEndpoint(store: DataStoreSpec, component: 'redis' | 'postgres', inClusterPort: number): StoreEndpoint {
  return store.mode === 'in-cluster'
    ? { kind: 'in-cluster', component, port: inClusterPort }
    : { kind: 'external', cidr: store.cidr, port: store.port };
}
