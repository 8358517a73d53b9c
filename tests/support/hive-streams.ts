import Redis, { Cluster } from 'ioredis';
import { AgentRole, consumerGroup, HiveKeys, hiveKeys } from '../../agent-runtime/src/contract';
import { waitFor } from './agent-process';

/** A test's Redis client: a standalone server or a cluster. */
type Client = Redis | Cluster;

const DEFAULT_KEYS = hiveKeys();

export interface ResultEntry {
  entryId: string;
  taskId: string;
  role: string;
  agent: string;
  status: 'succeeded' | 'failed' | 'dead_lettered' | 'canceled';
  output: { text: string; files: Record<string, string>; usage: { input_tokens: number; output_tokens: number }; turns: number; error?: string };
}

/** Adds a task the way a producer does; `fields` replaces the well-formed fields when given. */
export async function enqueue(redis: Client, role: AgentRole, id: string, payload: unknown, fields?: string[], keys: HiveKeys = DEFAULT_KEYS): Promise<string> {
  const entry = fields ?? ['id', id, 'payload', typeof payload === 'string' ? payload : JSON.stringify(payload)];
  return (await redis.xadd(keys.tasks(role), '*', ...entry))!;
}

function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return fields;
}

export async function results(redis: Client, keys: HiveKeys = DEFAULT_KEYS): Promise<ResultEntry[]> {
  return (await redis.xrange(keys.results, '-', '+')).map(([entryId, flat]) => {
    const f = fieldsOf(flat);
    return { entryId, taskId: f.taskId, role: f.role, agent: f.agent, status: f.status as ResultEntry['status'], output: JSON.parse(f.output) };
  });
}

export async function deadLetters(redis: Client, role: AgentRole, keys: HiveKeys = DEFAULT_KEYS): Promise<Array<Record<string, string>>> {
  return (await redis.xrange(keys.deadLetters(role), '-', '+')).map(([, flat]) => fieldsOf(flat));
}

export async function waitForResults(redis: Client, count: number, timeoutMs = 20_000, keys: HiveKeys = DEFAULT_KEYS): Promise<ResultEntry[]> {
  let found: ResultEntry[] = [];
  await waitFor(async () => (found = await results(redis, keys)).length >= count, timeoutMs, `${count} results`);
  return found;
}

/** Entries of a role's group not yet acknowledged. */
export async function pendingCount(redis: Client, role: AgentRole, keys: HiveKeys = DEFAULT_KEYS): Promise<number> {
  const summary = (await redis.xpending(keys.tasks(role), consumerGroup(role))) as [number, ...unknown[]];
  return summary[0];
}
