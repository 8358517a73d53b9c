import { ServerCallContext } from '@a2a-js/sdk/server';
import { GATEWAY_RESULTS_GROUP, HiveKeys, TaskOutcome } from '../contract';
import { sleep } from '../agent/abortable-sleep';
import { Logger } from '../log/logger';
import { createGroup, isNoGroup } from '../queue/consumer-group';
import { RedisClient } from '../queue/redis-connections';
import { entryFromReply, StreamEntry } from '../queue/task-entry';
import { TaskOutput } from '../queue/task-result';
import { finishedTask, isTerminal } from './a2a-task';
import { ClientUser } from './client-user';
import { FleetChannel } from './fleet-channel';
import { GatewayMetrics } from './gateway-metrics';
import { TaskHistory } from './task-history';

export interface ResultReconcilerOptions {
  readonly keys: HiveKeys;
  /** This gateway's name in the results group. */
  readonly consumer: string;
  /** A result another gateway read and left this long (it died) is taken over. @default 30000 */
  readonly claimIdleMs?: number;
  /** Wait after the task history refused a write. @default 1000 */
  readonly retryMs?: number;
}

const BATCH = 100;
const BLOCK_MS = 1_000;

function entries(reply: unknown): StreamEntry[] {
  return ((reply as Array<[string, Array<[string, string[]]>]> | null)?.[0]?.[1] ?? []).map(([id, flat]) => entryFromReply(id, flat));
}

/**
 * Writes every result into the task history, whichever gateway accepted the
 * task and whether or not it still runs: the gateways read the results stream
 * as one consumer group, and a result is acknowledged only once it is stored.
 * While the history is down, results stay pending and are retried; a result
 * a dead gateway held is taken over after `claimIdleMs`.
 */
export class ResultReconciler {
  private readonly stopping = new AbortController();
  private running?: Promise<void>;
  private claimCursor = '0-0';
  private lastClaimAt = 0;

  constructor(
    private readonly blocking: RedisClient,
    private readonly history: TaskHistory,
    private readonly channel: FleetChannel,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly options: ResultReconcilerOptions,
  ) {}

  run(): void {
    this.running ??= this.loop();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private get stream(): string {
    return this.options.keys.results;
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    let groupReady = false;
    // Own leftovers (a refused write, or a gateway of this name that died) come first; then none until a write is refused.
    let ownPending = true;
    while (!signal.aborted) {
      try {
        if (!groupReady) groupReady = (await createGroup(this.blocking, this.stream, GATEWAY_RESULTS_GROUP), true);
        let entries: StreamEntry[] = ownPending ? await this.readOwnPending() : [];
        if (entries.length === 0) entries = await this.claimStale();
        if (entries.length === 0) entries = await this.readNew();
        const stored = await this.storeAll(entries);
        this.metrics.resultsPending.set(entries.length - stored);
        ownPending = stored < entries.length;
        if (ownPending) await sleep(this.options.retryMs ?? 1_000, signal);
      } catch (error) {
        if (signal.aborted) break;
        this.logger.warn('reconciling results failed; retrying', { error: (error as Error).message });
        if (isNoGroup(error)) groupReady = false;
        ownPending = true;
        await sleep(this.options.retryMs ?? 1_000, signal);
      }
    }
  }

  private async readOwnPending(): Promise<StreamEntry[]> {
    return entries(await this.blocking.xreadgroup('GROUP', GATEWAY_RESULTS_GROUP, this.options.consumer, 'COUNT', BATCH, 'STREAMS', this.stream, '0'));
  }

  private async readNew(): Promise<StreamEntry[]> {
    return entries(await this.blocking.xreadgroup('GROUP', GATEWAY_RESULTS_GROUP, this.options.consumer, 'COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', this.stream, '>'));
  }

  /** A dead gateway's results, once they have been idle `claimIdleMs`: asked at most twice per that period. */
  private async claimStale(): Promise<StreamEntry[]> {
    const idleMs = this.options.claimIdleMs ?? 30_000;
    // A cursor in mid-scan goes on at once; a finished scan waits, as nothing gets idle enough sooner.
    if (this.claimCursor === '0-0' && Date.now() - this.lastClaimAt < idleMs / 2) return [];
    this.lastClaimAt = Date.now();
    const [cursor, claimed] = (await this.blocking.xautoclaim(this.stream, GATEWAY_RESULTS_GROUP, this.options.consumer, idleMs, this.claimCursor, 'COUNT', BATCH)) as [
      string,
      Array<[string, string[]] | null>,
    ];
    this.claimCursor = cursor;
    return claimed.flatMap((entry) => (entry ? [entryFromReply(entry[0], entry[1])] : []));
  }

  /** Stores results in order until the history refuses one; returns how many are done. */
  private async storeAll(entries: readonly StreamEntry[]): Promise<number> {
    for (const [index, entry] of entries.entries()) {
      try {
        await this.store(entry);
      } catch (error) {
        this.logger.warn('result not stored yet; it stays pending', { taskId: entry.fields.taskId, error: (error as Error).message });
        return index;
      }
      await this.blocking.xack(this.stream, GATEWAY_RESULTS_GROUP, entry.entryId);
    }
    return entries.length;
  }

  private async store(entry: StreamEntry): Promise<void> {
    const { taskId, status, output } = entry.fields;
    // Tasks enqueued straight on a stream, not through a gateway, have no history to complete.
    const scope = taskId ? await this.history.scopeOf(taskId) : undefined;
    if (!scope) return;
    const context = new ServerCallContext({ user: new ClientUser(scope.owner), tenant: scope.tenant || undefined });
    const stored = await this.history.store.load(taskId, context);
    if (stored && !isTerminal(stored)) {
      const { turns } = await this.channel.progress(taskId);
      const at = new Date(Number(entry.entryId.split('-')[0])).toISOString();
      await this.history.store.save(finishedTask(stored, status as TaskOutcome, JSON.parse(output) as TaskOutput, turns, at), context);
      this.metrics.resultsStored.inc({ outcome: status });
    }
    // Also when stored already: a gateway that died between the two steps left the id counted.
    await this.channel.finished(scope.owner, taskId);
  }
}
