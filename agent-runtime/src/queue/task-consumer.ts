import { sleep } from '../agent/abortable-sleep';
import { LlmCircuitBreaker } from '../agent/llm-circuit-breaker';
import { Logger } from '../log/logger';
import { AgentMetrics } from '../metrics/agent-metrics';
import { isNoGroup } from './consumer-group';
import { Delivery, TaskQueue } from './task-queue';
import { TaskLostError } from './task-lost-error';

/** What the consumer hands a task handler along with the delivery. */
export interface TaskContext {
  /** Aborted when the task is lost to another agent (reason: a TaskLostError) or abandoned at shutdown. */
  readonly signal: AbortSignal;
  /** How many new entries to read in the same round trip as the result: 0 while closing, when the breaker is not closed, or when a reclaim round is due. */
  fetchNext(): number;
}

/** Works on one delivery; returns entries read along with its result, to work on next in the same slot. */
export type TaskHandler = (delivery: Delivery, context: TaskContext) => Promise<Delivery[]>;

export interface TaskConsumerOptions {
  /** Tasks in flight at once. */
  readonly concurrency: number;
  /** An entry not renewed this long is taken over by a live agent. */
  readonly claimIdleMs: number;
  /** How long in-flight tasks may finish after close() before they are given back. */
  readonly shutdownGraceMs: number;
  /** How long one blocking read waits. @default 2000, or the reclaim interval if shorter: close() waits for a read in flight */
  readonly blockMs?: number;
}

/** Gives up on Redis at shutdown after this long: an agent must exit even while Redis is down. */
const SHUTDOWN_REDIS_MS = 3_000;

/**
 * Reads a role's tasks and keeps up to `concurrency` in flight: blocking reads
 * for new entries, reclaim rounds for entries of agents that died (a cursor
 * kept across rounds), renewal of its own entries (a lost one aborts its
 * run), and the circuit breaker's say on whether to take tasks at all.
 * Lifecycle: `run()` once, `close()` any number of times.
 */
export class TaskConsumer {
  private readonly inFlight = new Map<string, AbortController>();
  private readonly slots = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private slotFreed?: () => void;
  private loop?: Promise<void>;
  private closing?: Promise<void>;
  private renewTimer?: NodeJS.Timeout;
  private lastReclaimMs = 0;
  /** Reads failed and have not succeeded since: Redis is down or stalled. */
  private redisDown = false;
  private readonly reclaimEveryMs: number;
  /** A read must not outlast a reclaim interval, or stale entries would wait for it. */
  private readonly blockMs: number;

  constructor(
    private readonly queue: TaskQueue,
    private readonly handler: TaskHandler,
    private readonly breaker: LlmCircuitBreaker,
    private readonly metrics: AgentMetrics,
    private readonly logger: Logger,
    private readonly options: TaskConsumerOptions,
  ) {
    this.reclaimEveryMs = Math.min(5_000, options.claimIdleMs / 2);
    this.blockMs = options.blockMs ?? Math.min(2_000, this.reclaimEveryMs);
  }

  /** Starts consuming; the connections must be ready (no read happens before). */
  run(): void {
    if (this.loop) throw new Error('TaskConsumer.run() was already called');
    this.renewTimer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.options.claimIdleMs / 3)));
    this.loop = this.consume();
  }

  get tasksInFlight(): number {
    return this.inFlight.size;
  }

  /**
   * Stops reading (an in-flight read finishes and what it brought is given
   * back), lets tasks finish within the grace period, then aborts the rest,
   * whose handlers give them back. Bounded even while Redis is down.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    this.slotFreed?.();
    // The loop may wait on a command queued while Redis is down (a reclaim round, a probe):
    // bounded like a blocking read; a command never sent is dropped at disconnect.
    await Promise.race([this.loop?.catch(() => undefined), sleep(this.blockMs + SHUTDOWN_REDIS_MS)]);
    const drained = await Promise.race([Promise.allSettled(this.slots).then(() => true), sleep(this.options.shutdownGraceMs).then(() => false)]);
    if (!drained) {
      this.logger.warn('grace period over; giving unfinished tasks back for another agent', { tasks: [...this.inFlight.keys()] });
      for (const controller of this.inFlight.values()) controller.abort();
      await Promise.race([Promise.allSettled(this.slots), sleep(SHUTDOWN_REDIS_MS)]);
    }
    clearInterval(this.renewTimer);
  }

  private async consume(): Promise<void> {
    const signal = this.stopping.signal;
    let groupReady = false;
    while (!signal.aborted) {
      const free = this.options.concurrency - this.slots.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      try {
        const admitted = await this.breaker.admits();
        if (admitted.tasks === 0) {
          await sleep(Math.min(admitted.waitMs, 1_000), signal);
          continue;
        }
        if (!groupReady) groupReady = (await this.queue.ensureGroup(), true);
        const waitingSinceMs = Date.now();
        const probe = admitted.tasks !== Infinity;
        const deliveries = await this.next(Math.min(free, admitted.tasks));
        if (deliveries.length === 0 && probe) await this.breaker.abandonProbe();
        if (this.redisDown) this.recovered();
        if (signal.aborted) {
          // A read that was in flight at close: give its entries back at once rather than strand them.
          await this.giveBack(deliveries);
          break;
        }
        for (const delivery of deliveries) this.startSlot(delivery, waitingSinceMs, probe);
      } catch (error) {
        if (signal.aborted) break;
        if (!this.redisDown) this.logger.warn('reading tasks failed; retrying', { error: (error as Error).message });
        if (!this.redisDown) this.metrics.orchestratorError('redis');
        this.redisDown = true;
        // A Redis restarted without its data has lost the group too.
        if (isNoGroup(error)) groupReady = false;
        await sleep(500, signal);
      }
    }
  }

  /**
   * After an outage every pending entry looks idle, its agent's renewals having
   * waited with everything else: reclaiming at once would take live agents'
   * tasks. The next round waits until they have all renewed.
   */
  private recovered(): void {
    this.logger.info('redis reads resumed');
    this.redisDown = false;
    this.lastReclaimMs = Date.now() + this.options.claimIdleMs;
  }

  /** Stale entries of agents that stopped renewing first, then new ones. */
  private async next(count: number): Promise<Delivery[]> {
    if (this.reclaimDue() && !this.redisDown) {
      this.lastReclaimMs = Date.now();
      const reclaimed = await this.queue.reclaim(count, this.options.claimIdleMs);
      if (reclaimed.length > 0) return reclaimed;
    }
    return this.queue.readNew(count, this.blockMs);
  }

  private reclaimDue(): boolean {
    return Date.now() - this.lastReclaimMs >= this.reclaimEveryMs;
  }

  private fetchNext(): number {
    return this.stopping.signal.aborted || this.breaker.state !== 'closed' || this.reclaimDue() ? 0 : 1;
  }

  /**
   * One slot works on a delivery, then on each entry read along with its
   * result, until none comes. A probe's slot gives the probe up afterwards: if
   * the task never reached the API (malformed, done already, lost), the next
   * agent may probe at once; after an answer or an outage it changes nothing.
   */
  private startSlot(first: Delivery, waitingSinceMs: number, probe: boolean): void {
    const slot = (async () => {
      let delivery: Delivery | undefined = first;
      let freeSinceMs = waitingSinceMs;
      let probing = probe;
      while (delivery) {
        this.observePickup(delivery, freeSinceMs);
        const next: Delivery[] = await this.work(delivery);
        if (probing) await this.breaker.abandonProbe().catch(() => undefined);
        probing = false;
        freeSinceMs = Date.now();
        // Read along with a result while closing, or after the breaker left closed: not ours to start.
        const mayContinue = !this.stopping.signal.aborted && this.breaker.state === 'closed';
        delivery = mayContinue ? next[0] : undefined;
        await this.giveBack(mayContinue ? next.slice(1) : next);
      }
    })().finally(() => {
      this.slots.delete(slot);
      this.slotFreed?.();
    });
    this.slots.add(slot);
  }

  private async work(delivery: Delivery): Promise<Delivery[]> {
    // Our own entry, reclaimed after a stall: it is already running here, never twice at once.
    if (this.inFlight.has(delivery.entryId)) return [];
    const controller = new AbortController();
    this.inFlight.set(delivery.entryId, controller);
    this.metrics.tasksInFlight.set({ role: this.queue.role }, this.inFlight.size);
    try {
      return await this.handler(delivery, { signal: controller.signal, fetchNext: () => this.fetchNext() });
    } catch (error) {
      this.logger.error('task handling failed', { entryId: delivery.entryId, error: (error as Error).message });
      this.metrics.orchestratorError('redis');
      return [];
    } finally {
      this.inFlight.delete(delivery.entryId);
      this.metrics.tasksInFlight.set({ role: this.queue.role }, this.inFlight.size);
    }
  }

  private observePickup(delivery: Delivery, freeSinceMs: number): void {
    if (delivery.reclaimed) return;
    const role = this.queue.role;
    const enqueuedAtMs = Number(delivery.entryId.split('-')[0]);
    const now = Date.now();
    this.metrics.dispatchLatency.observe({ role }, Math.max(0, now - enqueuedAtMs) / 1000);
    this.metrics.pickupLatency.observe({ role }, Math.max(0, now - Math.max(enqueuedAtMs, freeSinceMs)) / 1000);
  }

  /** Renews the entries in flight; a lost one has its run stopped. */
  private async renew(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    if (ids.length === 0) return;
    try {
      for (const entryId of await this.queue.renew(ids)) {
        const controller = this.inFlight.get(entryId);
        if (!controller || controller.signal.aborted) continue;
        this.metrics.orchestratorError('lost');
        controller.abort(new TaskLostError(entryId));
      }
    } catch (error) {
      this.logger.warn('renewing tasks failed', { error: (error as Error).message });
    }
  }

  private async giveBack(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await Promise.race([this.queue.release(deliveries.map((d) => d.entryId), this.options.claimIdleMs), sleep(SHUTDOWN_REDIS_MS)]).catch((error) =>
      this.logger.warn('giving tasks back failed; they return after the claim timeout', { error: (error as Error).message }),
    );
  }
}
