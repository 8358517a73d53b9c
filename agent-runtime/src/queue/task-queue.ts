import Redis, { ChainableCommander } from 'ioredis';
import { AgentRole, consumerGroup, hiveKeys } from '../contract';

const STREAMS = hiveKeys();
import { entryFromReply, StreamEntry } from './task-entry';
import { TaskResult } from './task-result';

/** Keeps "task id -> result entry" so a redelivered or re-enqueued task is not processed twice. */
const DONE_KEY = (taskId: string) => `hive:done:${taskId}`;
const DONE_TTL_SECONDS = 7 * 24 * 3600;

/** A delivered entry and how often it has been delivered. */
export interface Delivery extends StreamEntry {
  readonly deliveries: number;
  /** Taken over from a consumer that stopped renewing it. */
  readonly reclaimed: boolean;
}

export class BlockingReadTimeoutError extends Error {
  constructor(ms: number) {
    super(`blocking read did not return within ${ms} ms`);
    this.name = 'BlockingReadTimeoutError';
  }
}

/**
 * One role's task stream as seen by one consumer: read, reclaim, renew, and
 * finish entries. Finishing is always a MULTI that writes before it acknowledges.
 */
export class TaskQueue {
  readonly stream: string;
  readonly group: string;

  constructor(
    private readonly commands: Redis,
    private readonly blocking: Redis,
    readonly role: AgentRole,
    readonly consumer: string,
  ) {
    this.stream = STREAMS.tasks(role);
    this.group = consumerGroup(role);
  }

  async ensureGroup(): Promise<void> {
    try {
      await this.commands.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
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
      const reply = (await Promise.race([read, watchdog])) as Array<[string, Array<[string, string[]]>]> | null;
      return (reply?.[0]?.[1] ?? []).map(([id, flat]) => ({ ...entryFromReply(id, flat), deliveries: 1, reclaimed: false }));
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

  /** Entries idle longer than `minIdleMs` (their agent stopped renewing them), now ours. */
  async reclaim(count: number, minIdleMs: number): Promise<Delivery[]> {
    const [, claimed] = (await this.commands.xautoclaim(this.stream, this.group, this.consumer, minIdleMs, '0-0', 'COUNT', count)) as [
      string,
      Array<[string, string[]] | null>,
      string[],
    ];
    const entries = claimed.filter((e): e is [string, string[]] => e !== null).map(([id, flat]) => entryFromReply(id, flat));
    return Promise.all(entries.map(async (entry) => ({ ...entry, deliveries: await this.deliveryCount(entry.entryId), reclaimed: true })));
  }

  async deliveryCount(entryId: string): Promise<number> {
    const pending = (await this.commands.xpending(this.stream, this.group, entryId, entryId, 1)) as Array<[string, string, number, number]>;
    return pending[0]?.[3] ?? 1;
  }

  /** Resets the idle time of entries we work on, so no live agent takes them over. */
  async renew(entryIds: readonly string[]): Promise<void> {
    if (entryIds.length === 0) return;
    await this.commands.xclaim(this.stream, this.group, this.consumer, 0, ...entryIds, 'JUSTID');
  }

  async hasResult(taskId: string): Promise<boolean> {
    return (await this.commands.exists(DONE_KEY(taskId))) === 1;
  }

  /** Publishes the result and acknowledges the entry in one transaction: never an ack without a result. */
  async complete(entryId: string, taskId: string, result: TaskResult): Promise<void> {
    const tx = this.commands
      .multi()
      .xadd(STREAMS.results, '*', 'taskId', taskId, 'role', this.role, 'agent', this.consumer, 'status', result.status, 'output', JSON.stringify(result.output))
      .xack(this.stream, this.group, entryId)
      .set(DONE_KEY(taskId), entryId, 'EX', DONE_TTL_SECONDS);
    await execAll(tx, 'result');
  }

  /** Acknowledges an entry whose task already has a result. */
  async ackDuplicate(entryId: string): Promise<void> {
    await this.commands.xack(this.stream, this.group, entryId);
  }

  /** Moves an entry to `hive:dlq:<role>` with the reason; the dead letter is written before the ack, in one transaction. */
  async deadLetter(entry: Delivery, error: string): Promise<void> {
    const original = Object.entries(entry.fields).flat();
    const tx = this.commands
      .multi()
      .xadd(STREAMS.deadLetters(this.role), '*', ...original, 'error', error, 'deliveries', String(entry.deliveries), 'entryId', entry.entryId)
      .xack(this.stream, this.group, entry.entryId);
    await execAll(tx, 'dead-letter');
  }
}

/** Runs a MULTI and throws unless every command in it succeeded. */
async function execAll(tx: ChainableCommander, what: string): Promise<void> {
  const replies = await tx.exec();
  const failed = replies?.find(([error]) => error);
  if (!replies || failed) throw new Error(`${what} transaction failed: ${failed?.[0]?.message ?? 'aborted'}`);
}
