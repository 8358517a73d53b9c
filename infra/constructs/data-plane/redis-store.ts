import { Construct } from 'constructs';
import { InClusterStoreSpec } from '../../environment/environment-schema';
import { SECRETS } from '../agents/secret-names';
import { DataStore } from './data-store';

export const REDIS_PORT = 6379;

/** Redis for the task streams: AOF on, so acknowledged results survive a restart; AUTH from a Secret. */
export function redisStore(scope: Construct, namespace: string, spec: InClusterStoreSpec): DataStore {
  return new DataStore(scope, 'redis', {
    namespace,
    name: 'redis',
    spec,
    port: REDIS_PORT,
    uid: 999,
    dataPath: '/data',
    password: SECRETS.redis,
    passwordEnv: 'REDIS_PASSWORD',
    command: ['redis-server'],
    // Kubernetes expands $(REDIS_PASSWORD) from the container's env: the manifest holds only the reference.
    args: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', '/data', '--requirepass', '$(REDIS_PASSWORD)'],
    scratch: [{ name: 'tmp', mountPath: '/tmp', sizeLimit: '64Mi' }],
    readinessCommand: ['sh', '-c', 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping | grep -q PONG'],
  });
}
