import Redis from 'ioredis';
import { AGENT_ROLES, AgentRole, hiveKeys } from '../contract';

const STREAMS = hiveKeys();
import { Logger } from '../log/logger';
import { entryFromReply } from './task-entry';
import { TaskQueue } from './task-queue';

export interface HousekeeperOptions {
  /** Entries idle this long belong to a consumer that stopped renewing them. */
  readonly claimIdleMs: number;
  readonly maxDeliveries: number;
  /** Approximate length kept of hive:results and the dead-letter streams. */
  readonly streamMaxLength: number;
  /** The meta agent's consumer name. */
  readonly consumer: string;
}

/** What one round found, per role. */
export interface HousekeepingReport {
  readonly backlog: Record<AgentRole, number>;
  readonly deadLettered: Record<AgentRole, number>;
}

/**
 * The meta agent's chores across every role: measure the backlog, dead-letter
 * stale entries that were delivered too often (a role whose agents crash on
 * a task cannot do it itself), forget long-gone consumers, and trim streams.
 * Stale entries under the limit stay for their role's agents to reclaim.
 */
export class Housekeeper {
  private readonly queues: TaskQueue[];
  /** Groups are created once; after a failed round (Redis may have lost them) once more. */
  private groupsReady = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: HousekeeperOptions,
    private readonly logger: Logger,
  ) {
    // Housekeeping never blocks, so the command connection serves as both.
    this.queues = AGENT_ROLES.map((role) => new TaskQueue(redis, redis, role, options.consumer));
  }

  async run(): Promise<HousekeepingReport> {
    try {
      return await this.round();
    } catch (error) {
      this.groupsReady = false;
      throw error;
    }
  }

  private async round(): Promise<HousekeepingReport> {
    if (!this.groupsReady) {
      for (const queue of this.queues) await queue.ensureGroup();
      this.groupsReady = true;
    }
    const backlog = {} as Record<AgentRole, number>;
    const deadLettered = {} as Record<AgentRole, number>;
    for (const queue of this.queues) {
      const role = queue.role;
      deadLettered[role] = await this.deadLetterOverDelivered(queue);
      const group = await this.groupInfo(queue);
      backlog[role] = await this.backlog(queue, group);
      await this.forgetGoneConsumers(queue);
      await this.trimAcknowledged(queue, group);
      await this.redis.xtrim(STREAMS.deadLetters(role), 'MAXLEN', '~', this.options.streamMaxLength);
    }
    await this.redis.xtrim(STREAMS.results, 'MAXLEN', '~', this.options.streamMaxLength);
    return { backlog, deadLettered };
  }

  /** The role's consumer group as XINFO GROUPS reports it (pending, lag, last-delivered-id). */
  private async groupInfo(queue: TaskQueue): Promise<Record<string, unknown>> {
    const groups = ((await this.redis.xinfo('GROUPS', queue.stream)) as unknown[][]).map(fieldsOf);
    return groups.find((g) => g.name === queue.group) ?? {};
  }

  /** Tasks not yet delivered (the group's lag) plus delivered but unacknowledged. */
  private async backlog(queue: TaskQueue, group: Record<string, unknown>): Promise<number> {
    const pending = Number(group.pending ?? 0);
    const lag = group.lag === null || group.lag === undefined ? await this.countAfter(queue.stream, String(group['last-delivered-id'] ?? '0-0')) : Number(group.lag);
    return pending + lag;
  }

  /** Redis reports no lag after deletions in the stream; then count what follows the last delivered id. */
  private async countAfter(stream: string, lastDeliveredId: string): Promise<number> {
    const entries = await this.redis.xrange(stream, `(${lastDeliveredId}`, '+', 'COUNT', 100_000);
    return entries.length;
  }

  private async deadLetterOverDelivered(queue: TaskQueue): Promise<number> {
    const stale = (await this.redis.xpending(queue.stream, queue.group, 'IDLE', this.options.claimIdleMs, '-', '+', 100)) as Array<
      [string, string, number, number]
    >;
    let count = 0;
    for (const [entryId, , , deliveries] of stale.filter(([, , , d]) => d >= this.options.maxDeliveries)) {
      // Take the entry first, so a live agent reclaiming it at the same moment cannot also process it.
      const claimed = (await this.redis.xclaim(queue.stream, queue.group, this.options.consumer, this.options.claimIdleMs, entryId)) as Array<
        [string, string[]] | null
      >;
      const reply = claimed[0];
      if (!reply) continue;
      const entry = { ...entryFromReply(reply[0], reply[1]), deliveries: deliveries + 1, reclaimed: true };
      await queue.deadLetter(entry, `delivered ${deliveries} times without a result (limit ${this.options.maxDeliveries}); its agents may crash on it`);
      this.logger.warn('task dead-lettered by housekeeping', { role: queue.role, entryId, taskId: entry.fields.id, deliveries });
      count++;
    }
    return count;
  }

  /** Pods get new names; a consumer with nothing pending and idle for long is gone for good. */
  private async forgetGoneConsumers(queue: TaskQueue): Promise<void> {
    const consumers = ((await this.redis.xinfo('CONSUMERS', queue.stream, queue.group)) as unknown[][]).map(fieldsOf);
    for (const consumer of consumers) {
      if (Number(consumer.pending) === 0 && Number(consumer.idle) > 10 * this.options.claimIdleMs && consumer.name !== this.options.consumer) {
        await this.redis.xgroup('DELCONSUMER', queue.stream, queue.group, String(consumer.name));
      }
    }
  }

  /** Drops entries older than every pending and undelivered one: their results are in hive:results. */
  private async trimAcknowledged(queue: TaskQueue, group: Record<string, unknown>): Promise<void> {
    const summary = (await this.redis.xpending(queue.stream, queue.group)) as [number, string | null, string | null, unknown];
    const oldestPending = summary[1];
    const keepFrom = oldestPending ?? nextId(String(group['last-delivered-id'] ?? '0-0'));
    await this.redis.xtrim(queue.stream, 'MINID', '~', keepFrom);
  }
}

function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1];
  return fields;
}

/** The smallest id after `id`, so MINID keeps everything not yet delivered. */
function nextId(id: string): string {
  const [ms, seq] = id.split('-').map(BigInt);
  return `${ms}-${seq + 1n}`;
}
