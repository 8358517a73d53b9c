import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { DEFAULT_WORKSPACE_DIR, ENV, HEALTH_PORT, METRICS_PORT } from '../../../agent-runtime/src/contract';
import { Environment } from '../../environment/environment-schema';
import { REDIS_PORT } from '../data-plane/redis-store';
import { hiveLabels } from '../workload/labels';

const RUNTIME_CONFIG_MAP = 'agent-hive-runtime';

/** Pod-template annotation carrying the checksum of the runtime ConfigMap: a change of it rolls the pods. */
export const CONFIG_CHECKSUM_ANNOTATION = 'agent-hive/config-checksum';

/** Settings every role shares; per-role values and Secrets are set on each Deployment. */
function runtimeSettings(env: Environment): Record<string, string> {
  const redis = env.redis;
  const redisUrl =
    redis.mode === 'in-cluster' ? `redis://redis:${REDIS_PORT}` : `${redis.tls ? 'rediss' : 'redis'}://${redis.host}:${redis.port}`;
  return {
    [ENV.redisUrl]: redisUrl,
    [ENV.anthropicModel]: env.llm.model,
    [ENV.workspaceDir]: DEFAULT_WORKSPACE_DIR,
    [ENV.healthPort]: String(HEALTH_PORT),
    [ENV.metricsPort]: String(METRICS_PORT),
    [ENV.claimIdleMs]: String(env.runtime.claimIdleMs),
    [ENV.maxDeliveries]: String(env.runtime.maxDeliveries),
    [ENV.shutdownGraceMs]: String(env.runtime.shutdownGraceMs),
    [ENV.maxTurns]: String(env.llm.maxTurns),
    [ENV.maxTokens]: String(env.llm.maxTokensPerTask),
  };
}

export interface RuntimeConfigProps {
  readonly environment: Environment;
}

/** The non-secret runtime settings as a ConfigMap (agents read it through envFrom). */
export class RuntimeConfig extends Construct {
  readonly name = RUNTIME_CONFIG_MAP;
  /** sha256 of the ConfigMap's data. Pods read it through envFrom only at start, so their template carries this. */
  readonly checksum: string;

  constructor(scope: Construct, id: string, props: RuntimeConfigProps) {
    super(scope, id);
    const data = runtimeSettings(props.environment);
    this.checksum = createHash('sha256').update(JSON.stringify(Object.entries(data).sort())).digest('hex');
    new k8s.KubeConfigMap(this, 'config-map', {
      metadata: { name: this.name, namespace: props.environment.namespace, labels: hiveLabels('config') },
      data,
    });
  }
}
