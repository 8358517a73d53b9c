import { Construct } from 'constructs';
import { InClusterStoreSpec } from '../../environment/environment-schema';
import { SECRETS } from '../agents/secret-names';
import { mebibytes } from '../workload/quantities';
import { DataStore } from './data-store';

export const REDIS_PORT = 6379;

/**
 * Share of the container's memory limit Redis may fill. The rest is for what
 * maxmemory does not count: the AOF rewrite's forked child, client buffers and
 * fragmentation. Past maxmemory, `noeviction` refuses writes with an error the
 * producers see, rather than Redis being OOM-killed and replaying its AOF in a loop.
 */
export const REDIS_MAXMEMORY_SHARE = 0.75;

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
    args: [
      ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', '/data', '--requirepass', '$(REDIS_PASSWORD)'],
      ...['--maxmemory', `${Math.floor(mebibytes(spec.resources.memoryLimit) * REDIS_MAXMEMORY_SHARE)}mb`, '--maxmemory-policy', 'noeviction'],
    ],
    scratch: [{ name: 'tmp', mountPath: '/tmp', sizeLimit: '64Mi' }],
    readinessCommand: ['sh', '-c', 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping | grep -q PONG'],
  });
}
