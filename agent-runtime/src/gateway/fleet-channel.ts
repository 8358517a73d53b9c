import { AgentRole, HiveKeys, TaskOutcome } from '../contract';
import { RedisClient } from '../queue/redis-connections';
import { entryFromReply, TaskPayload } from '../queue/task-entry';
import { TaskOutput } from '../queue/task-result';
import { TurnEvent } from './a2a-task';

/** A task's published result. */
export interface FleetResult {
  readonly outcome: TaskOutcome;
  readonly output: TaskOutput;
}

/** One entry of a task's events stream. */
export type FleetEvent = { readonly id: string } & ({ readonly type: 'turn'; readonly turn: TurnEvent } | { readonly type: 'done'; readonly outcome: TaskOutcome });

/** What the agents reported of a task so far. */
export interface TaskProgress {
  readonly turns: TurnEvent[];
  readonly done: boolean;
  /** The id of the last event read: follow from here. */
  readonly lastId: string;
}

export interface FleetChannelOptions {
  readonly keys: HiveKeys;
  /** How long a cancel request and the in-flight set are kept. */
  readonly ttlSeconds: number;
}

/** The gateway's side of the Redis contract: enqueue, cancel, and read results and progress. */
export class FleetChannel {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: FleetChannelOptions,
  ) {}

  /** Enqueues the task on its track's stream and counts it in flight for its client, in one transaction. */
  async submit(taskId: string, role: AgentRole, track: string, payload: TaskPayload, client: string): Promise<void> {
    const { keys, ttlSeconds } = this.options;
    const inFlight = keys.inFlight(client);
    const replies = await this.redis
      .multi()
      .xadd(keys.tasks(role, track), '*', 'id', taskId, 'role', role, 'payload', JSON.stringify(payload))
      .sadd(inFlight, taskId)
      .expire(inFlight, ttlSeconds)
      .exec();
    const failed = replies?.find(([error]) => error);
    if (!replies || failed) throw failed?.[0] ?? new Error('the enqueue transaction was discarded');
  }

  /** The task is finished: it no longer counts against its client's limit. */
  async finished(client: string, taskId: string): Promise<void> {
    await this.redis.srem(this.options.keys.inFlight(client), taskId);
  }

  /** Asks the agent working on the task (or the one that picks it up) to stop at its next turn boundary. */
  async requestCancel(taskId: string): Promise<void> {
    await this.redis.set(this.options.keys.cancel(taskId), '1', 'EX', this.options.ttlSeconds);
  }

  async result(taskId: string): Promise<FleetResult | undefined> {
    const hash = await this.redis.hgetall(this.options.keys.result(taskId));
    return hash.status ? { outcome: hash.status as TaskOutcome, output: JSON.parse(hash.output) as TaskOutput } : undefined;
  }

  /** Everything reported of the task so far. */
  async progress(taskId: string): Promise<TaskProgress> {
    const entries = (await this.redis.xrange(this.options.keys.events(taskId), '-', '+')) as Array<[string, string[]]>;
    const events = entries.map(([id, flat]) => parseEvent(id, flat));
    return {
      turns: events.flatMap((e) => (e.type === 'turn' ? [e.turn] : [])),
      done: events.some((e) => e.type === 'done'),
      lastId: entries.at(-1)?.[0] ?? '0-0',
    };
  }
}

export function parseEvent(id: string, flat: string[]): FleetEvent {
  const { type, data } = entryFromReply(id, flat).fields;
  const value = JSON.parse(data) as Record<string, unknown>;
  return type === 'done' ? { id, type, outcome: value.status as TaskOutcome } : { id, type: 'turn', turn: value as unknown as TurnEvent };
}
