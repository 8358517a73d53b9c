import { AgentRole, HiveKeys } from '../../agent-runtime/src/contract';
import { RedisClient } from '../../agent-runtime/src/queue/redis-connections';
import { parseWeights } from '../../agent-runtime/src/routing/track-weights';

/**
 * Replaces a role's weights in one transaction, after the same validation the
 * routers apply (a TrackWeightsError names the problem), as `hive rollout`
 * would set them. Every router reads them within its refresh period.
 */
export async function setTrackWeights(redis: RedisClient, keys: HiveKeys, role: AgentRole, weights: Readonly<Record<string, number>>): Promise<void> {
  parseWeights(weights);
  const key = keys.trackWeights(role);
  const replies = await redis.multi().del(key).hset(key, weights).exec();
  const failed = replies?.find(([error]) => error);
  if (!replies || failed) throw failed?.[0] ?? new Error('the weights transaction was discarded');
}
