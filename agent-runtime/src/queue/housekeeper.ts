import { AGENT_ROLES, AgentRole, HiveKeys, STABLE_TRACK } from '../contract';
import { RoleTrack } from '../config/fleet-tracks';
import { Logger } from '../log/logger';
import { ScriptedClient } from './queue-scripts';
import { entryFromReply, TASK_ID } from './task-entry';
import { TaskQueue } from './task-queue';
import { resultWithoutTurns } from './task-result';

export interface HousekeeperOptions {
  readonly keys: HiveKeys;
  /** Entries idle this long belong to a consumer that stopped renewing them. */
  readonly claimIdleMs: number;
  readonly maxDeliveries: number;
  /** Approximate length kept of the results and dead-letter streams. */
  readonly streamMaxLength: number;
  /** The meta agent's consumer name. */
  readonly consumer: string;
  /** How long the result of a dead-lettered task is kept. */
  readonly resultTtlSeconds: number;
  /** The fleet's tracks other than stable: their streams are kept like the stable ones. @default none */
  readonly tracks?: readonly RoleTrack[];
}

/** What one round found on one task stream: a role's stable track, or another of its tracks. */
export interface TrackStreamReport {
  readonly role: AgentRole;
  readonly track: string;
  /** Tasks not yet delivered plus delivered but unacknowledged. */
  readonly backlog: number;
  /** Entries this round moved to the role's dead letters. */
  readonly deadLettered: number;
}

/** What one round found. */
export interface HousekeepingReport {
  /** Every role's stable stream, then every other track's. */
  readonly streams: readonly TrackStreamReport[];
  /** Entries per stream key. */
  readonly streamLengths: Record<string, number>;
  readonly usedMemoryBytes: number;
  /** 0 when Redis has no memory limit. */
  readonly maxMemoryBytes: number;
}

/**
 * The meta agent's chores across every role and track: measure the backlog, dead-letter
 * stale entries that were delivered too often (a role whose agents crash on
 * a task cannot do it itself), forget long-gone consumers, trim streams, and
 * report Redis memory. Every figure comes from summaries (XINFO, XPENDING,
 * XLEN, INFO), never from entries, so a round costs the same for a stream of
 * a hundred entries and of a million.
 */
export class Housekeeper {
  private readonly queues: TaskQueue[];
  /** Groups are created once; after a failed round (Redis may have lost them) once more. */
  private groupsReady = false;

  constructor(
    private readonly redis: ScriptedClient,
    private readonly options: HousekeeperOptions,
    private readonly logger: Logger,
  ) {
    // Housekeeping never blocks, so the command connection serves as both.
    const streams: Array<{ role: AgentRole; track: string }> = [...AGENT_ROLES.map((role) => ({ role, track: STABLE_TRACK })), ...(options.tracks ?? [])];
    this.queues = streams.map(
      ({ role, track }) => new TaskQueue(redis, redis, { keys: options.keys, role, track, consumer: options.consumer, resultTtlSeconds: options.resultTtlSeconds }),
    );
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
    const { keys, streamMaxLength } = this.options;
    if (!this.groupsReady) {
      for (const queue of this.queues) await queue.ensureGroup();
      this.groupsReady = true;
    }
    const streams: TrackStreamReport[] = [];
    const streamLengths: Record<string, number> = {};
    for (const queue of this.queues) {
      const deadLettered = await this.deadLetterOverDelivered(queue);
      const group = await this.groupInfo(queue);
      const backlog = backlogOf(group, await this.redis.xlen(queue.stream));
      await this.forgetGoneConsumers(queue);
      await this.trimAcknowledged(queue, group);
      streamLengths[queue.stream] = await this.redis.xlen(queue.stream);
      streams.push({ role: queue.role, track: queue.track, backlog, deadLettered });
    }
    // Every track of a role dead-letters into the role's stream.
    for (const role of AGENT_ROLES) {
      await this.redis.xtrim(keys.deadLetters(role), 'MAXLEN', '~', streamMaxLength);
      streamLengths[keys.deadLetters(role)] = await this.redis.xlen(keys.deadLetters(role));
    }
    await this.redis.xtrim(keys.results, 'MAXLEN', '~', streamMaxLength);
    streamLengths[keys.results] = await this.redis.xlen(keys.results);
    const memory = await this.redis.info('memory');
    return { streams, streamLengths, usedMemoryBytes: infoNumber(memory, 'used_memory'), maxMemoryBytes: infoNumber(memory, 'maxmemory') };
  }

  /** The role's consumer group as XINFO GROUPS reports it (pending, lag, last-delivered-id). */
  private async groupInfo(queue: TaskQueue): Promise<Record<string, unknown>> {
    const groups = ((await this.redis.xinfo('GROUPS', queue.stream)) as unknown[][]).map(fieldsOf);
    return groups.find((g) => g.name === queue.group) ?? {};
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
      const reason = `delivered ${deliveries} times without a result (limit ${this.options.maxDeliveries}); its agents may crash on it`;
      const taskId = entry.fields.id !== undefined && TASK_ID.test(entry.fields.id) ? entry.fields.id : undefined;
      await queue.deadLetter(entry, reason, taskId, resultWithoutTurns('dead_lettered', reason).output);
      this.logger.warn('task dead-lettered by housekeeping', { role: queue.role, track: queue.track, entryId, taskId, deliveries });
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

  /** Drops entries older than every pending and undelivered one: their results are in the results stream. */
  private async trimAcknowledged(queue: TaskQueue, group: Record<string, unknown>): Promise<void> {
    const summary = (await this.redis.xpending(queue.stream, queue.group)) as [number, string | null, string | null, unknown];
    const oldestPending = summary[1];
    const keepFrom = oldestPending ?? nextId(String(group['last-delivered-id'] ?? '0-0'));
    await this.redis.xtrim(queue.stream, 'MINID', '~', keepFrom);
  }
}

/**
 * Pending plus lag. Redis cannot tell the lag after some deletions; then the
 * stream's length is the bound (acknowledged entries are trimmed, so it is
 * close), which is what an autoscaler should see rather than nothing.
 */
function backlogOf(group: Record<string, unknown>, streamLength: number): number {
  const pending = Number(group.pending ?? 0);
  return group.lag === null || group.lag === undefined ? streamLength : pending + Number(group.lag);
}

function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1];
  return fields;
}

function infoNumber(info: string, field: string): number {
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
}

/** The smallest id after `id`, so MINID keeps everything not yet delivered. */
function nextId(id: string): string {
  const [ms, seq] = id.split('-').map(BigInt);
  return `${ms}-${seq + 1n}`;
}
