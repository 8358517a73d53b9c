import { AgentRole, hiveKeys, LEGACY_TRACK } from '../../agent-runtime/src/contract';
import { RedisClient } from '../../agent-runtime/src/queue/redis-connections';

/** An entry as the old producers write it (README: "Migrating from the old agents"). */
export function legacyTask(id: string, instructions = `Task ${id}.`): string {
  return JSON.stringify({ id, instructions, title: id });
}

/** The task ids on each track's stream and on the old workers' list (`legacy`, when named), in enqueue order. */
export async function routedIds(redis: RedisClient, role: AgentRole, tracks: readonly string[], legacyList?: string, keys = hiveKeys()): Promise<Record<string, string[]>> {
  const routed: Record<string, string[]> = {};
  if (legacyList) routed[LEGACY_TRACK] = (await redis.lrange(legacyList, 0, -1)).reverse().map((entry) => JSON.parse(entry).id as string);
  for (const track of tracks) routed[track] = (await redis.xrange(keys.tasks(role, track), '-', '+')).map(([, flat]) => flat[flat.indexOf('id') + 1]);
  return routed;
}
