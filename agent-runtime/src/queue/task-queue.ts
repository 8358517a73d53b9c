import { AgentRole, consumerGroup, HiveKeys, STABLE_TRACK } from '../contract';
import { createGroup } from './consumer-group';
import { withScripts, ScriptedClient } from './queue-scripts';
import { RedisClient } from './redis-connections';
import { entryFromReply, StreamEntry } from './task-entry';
import { TaskResult } from './task-result';

/** Whether a task already has its result (its entry is then acknowledged), else its checkpoint. */
export type TaskStart = { readonly done: true } | { readonly done: false; readonly checkpoint?: string };

/** A delivered entry and how often it has been delivered (releases do not count). */
export interface Delivery extends StreamEntry {
  readonly deliveries: number;
  /** Taken over from a consumer that stopped renewing it, or that released it. */
  readonly reclaimed: boolean;
  /** What `begin()` would answer, when it came with the entry (read along with a result). */
  readonly start?: TaskStart;
}

export interface TaskQueueOptions {
  readonly keys: HiveKeys;
  readonly role: AgentRole;
  /** The role's track whose stream this consumer reads. @default 'stable' */
  readonly track?: string;
  /** This consumer's name in the role's group (the pod name). */
  readonly consumer: string;
  /** How long a result (and so the "done" state of its task id) is kept. */
  readonly resultTtlSeconds: number;
}

export class BlockingReadTimeoutError extends Error {
  constructor(ms: number) {
    super(`blocking read did not return within ${ms} ms`);
    this.name = 'BlockingReadTimeoutError';
  }
}

/** How many XAUTOCLAIM calls one reclaim round may make: at least 10 x that many pending entries are scanned. */
const RECLAIM_SCAN_CALLS = 500;

/** Progress events kept per task: more than any turn budget allows. */
const MAX_EVENTS_PER_TASK = 1000;

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * One role's task stream as seen by one consumer. Every step that changes
 * the state of a task is one script on the server, so a re-sent command or a
 * second agent cannot publish a second result, and only the entry's current
 * owner may renew it, checkpoint it or give it back.
 */
export class TaskQueue {
  readonly stream: string;
  readonly group: string;
  readonly role: AgentRole;
  readonly track: string;
  readonly consumer: string;
  private readonly commands: ScriptedClient;
  /** Where the last reclaim round stopped scanning the pending list. */
  private reclaimCursor = '0-0';

  constructor(
    commands: RedisClient,
    private readonly blocking: RedisClient,
    private readonly options: TaskQueueOptions,
  ) {
    this.commands = withScripts(commands);
    this.role = options.role;
    this.track = options.track ?? STABLE_TRACK;
    this.consumer = options.consumer;
    this.stream = options.keys.tasks(options.role, options.track);
    this.group = consumerGroup(options.role);
  }

  ensureGroup(): Promise<void> {
    return createGroup(this.commands, this.stream, this.group);
  }

  /**
   * New entries, waiting up to `blockMs`. ioredis can leave a blocking call
   * hanging after a reconnect, so a watchdog gives up after `blockMs` plus a
   * margin and drops the connection; ioredis then reconnects it.
   */
  async readNew(count: number, blockMs: number): Promise<Delivery[]> {
    const watchdogMs = blockMs + 3_000;
    let timer: NodeJS.Timeout | undefined;
    const read = this.blocking.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.stream, '>');
    const watchdog = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BlockingReadTimeoutError(watchdogMs)), watchdogMs);
    });
    try {
      return newDeliveries((await Promise.race([read, watchdog])) as StreamReply);
    } catch (error) {
      if (error instanceof BlockingReadTimeoutError) {
        read.catch(() => undefined);
        this.blocking.disconnect(true);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Entries idle at least `minIdleMs`, now ours, continuing the scan where the last round stopped. */
  async reclaim(count: number, minIdleMs: number): Promise<Delivery[]> {
    const [cursor, claimed] = (await this.commands.hiveReclaim(this.stream, this.group, this.consumer, minIdleMs, this.reclaimCursor, count, RECLAIM_SCAN_CALLS)) as [
      string,
      Array<[string, string[], number]>,
    ];
    this.reclaimCursor = cursor;
    return claimed.map(([id, flat, deliveries]) => ({ ...entryFromReply(id, flat), deliveries: Number(deliveries), reclaimed: true }));
  }

  /** Renews the entries this consumer still owns; returns the ones it lost. */
  async renew(entryIds: readonly string[]): Promise<string[]> {
    if (entryIds.length === 0) return [];
    return (await this.commands.hiveRenew(this.stream, this.group, this.consumer, ...entryIds)) as string[];
  }

  /**
   * Gives entries back at once; the next reclaim round of any agent takes them.
   * The delivery is not counted unless `counted` (the task broke what it ran on).
   */
  async release(entryIds: readonly string[], idleMs: number, counted = false): Promise<number> {
    if (entryIds.length === 0) return 0;
    return Number(await this.commands.hiveRelease(this.stream, this.group, this.consumer, idleMs, counted ? 1 : 0, ...entryIds));
  }

  /** Whether the task already has its result (its entry is then acknowledged), else its checkpoint. */
  async begin(entryId: string, taskId: string): Promise<TaskStart> {
    const keys = this.options.keys;
    const [done, checkpoint] = (await this.commands.hiveBegin(this.stream, keys.result(taskId), keys.checkpoint(taskId), this.group, entryId)) as [number, string | null];
    return taskStart(done, checkpoint);
  }

  /**
   * Publishes the task's one result, acknowledges the entry and drops its
   * checkpoint in one step, and reads up to `fetchNext` new entries, each with
   * its start, in the same round trip. `written` is false when the task
   * already had a result; `lost` when another consumer owns the entry now
   * (nothing was written: the new owner publishes).
   */
  async complete(entryId: string, taskId: string, result: TaskResult, fetchNext: number): Promise<{ written: boolean; lost: boolean; next: Delivery[] }> {
    const keys = this.options.keys;
    const [written, next] = (await this.commands.hiveComplete(
      this.stream,
      keys.results,
      keys.result(taskId),
      keys.checkpoint(taskId),
      keys.events(taskId),
      keys.cancel(taskId),
      this.group,
      this.consumer,
      entryId,
      taskId,
      this.role,
      this.consumer,
      result.status,
      JSON.stringify(result.output),
      this.options.resultTtlSeconds,
      fetchNext,
      keys.result(''),
      keys.checkpoint(''),
    )) as [number, Array<[string, string[], number, string | null]>];
    return {
      written: written === 1,
      lost: written === -1,
      next: next.map(([id, flat, done, checkpoint]) => ({ ...freshDelivery(id, flat), start: taskStart(done, checkpoint) })),
    };
  }

  /**
   * Moves an entry to `<prefix>:dlq:<role>` with the reason and acknowledges it;
   * when it names a valid task id, the task also gets its one result, status
   * `dead_lettered`, whose output is `output`.
   */
  async deadLetter(entry: Delivery, reason: string, taskId: string | undefined, output: TaskResult['output']): Promise<boolean> {
    const keys = this.options.keys;
    const written = await this.commands.hiveDeadLetter(
      this.stream,
      keys.deadLetters(this.role),
      keys.results,
      keys.result(taskId ?? ''),
      keys.checkpoint(taskId ?? ''),
      keys.events(taskId ?? ''),
      this.group,
      entry.entryId,
      taskId ?? '',
      this.role,
      this.consumer,
      JSON.stringify(output),
      this.options.resultTtlSeconds,
      reason,
      entry.deliveries,
      ...Object.entries(entry.fields).flat(),
    );
    return Number(written) === 1;
  }

  /**
   * After a turn, while this consumer owns the entry: saves the checkpoint
   * (unless undefined: too large to keep), appends the progress event, and
   * tells whether the task is to be canceled. `lost` when the entry is
   * another consumer's now (nothing was saved).
   */
  async afterTurn(entryId: string, taskId: string, checkpoint: string | undefined, progress: object, ttlSeconds: number): Promise<{ lost: boolean; canceled: boolean }> {
    const keys = this.options.keys;
    const answer = Number(
      await this.commands.hiveCheckpoint(
        this.stream,
        keys.checkpoint(taskId),
        keys.events(taskId),
        keys.cancel(taskId),
        this.group,
        this.consumer,
        entryId,
        checkpoint ?? '',
        ttlSeconds,
        JSON.stringify(progress),
        MAX_EVENTS_PER_TASK,
      ),
    );
    return { lost: answer === 0, canceled: answer === 2 };
  }

  /** Whether a cancel of the task was asked for (checked before its first model call). */
  async cancelRequested(taskId: string): Promise<boolean> {
    return (await this.commands.exists(this.options.keys.cancel(taskId))) === 1;
  }
}

function newDeliveries(reply: StreamReply): Delivery[] {
  return (reply?.[0]?.[1] ?? []).map(([id, flat]) => freshDelivery(id, flat));
}

/** An entry delivered for the first time, straight from the stream. */
function freshDelivery(entryId: string, flat: string[]): Delivery {
  return { ...entryFromReply(entryId, flat), deliveries: 1, reclaimed: false };
}

function taskStart(done: number, checkpoint: string | null | false): TaskStart {
  return done === 1 ? { done: true } : { done: false, checkpoint: checkpoint || undefined };
}
