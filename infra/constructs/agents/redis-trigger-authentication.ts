import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { hiveLabels } from '../workload/labels';
import { SECRETS } from './secret-names';

/** The name KEDA's redis-streams triggers refer to. */
export const REDIS_TRIGGER_AUTHENTICATION = 'agent-hive-redis';

/** Hands KEDA the Redis password from the Secret the agents read it from: it never appears in a trigger. */
export function redisTriggerAuthentication(scope: Construct, namespace: string): void {
  const spec: ITriggerAuthentication['spec'] = {
    secretTargetRef: [{ parameter: 'password', name: SECRETS.redis.name, key: SECRETS.redis.key }],
  };
  new ApiObject(scope, 'redis-trigger-authentication', {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'TriggerAuthentication',
    metadata: { name: REDIS_TRIGGER_AUTHENTICATION, namespace, labels: hiveLabels('agent') },
    spec,
  });
}
