import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { sleep } from './agent/abortable-sleep';
import { LlmUnavailableError } from './agent/llm-errors';
import { loadRolePrompt } from './agent/role-prompt';
import { TaskRunner } from './agent/task-runner';
import { configSecrets, RuntimeConfig } from './config/runtime-config';
import { EventLoopWatch } from './health/event-loop-watch';
import { healthServer, metricsServer, ProbeServer } from './health/health-server';
import { Logger, redact } from './log/logger';
import { AgentMetrics } from './metrics/agent-metrics';
import { Housekeeper } from './queue/housekeeper';
import { MalformedTaskError } from './queue/malformed-task-error';
import { createRedisConnections, RedisConnections } from './queue/redis-connections';
import { parseTaskEntry, Task } from './queue/task-entry';
import { Delivery, TaskQueue } from './queue/task-queue';
import { TaskResult } from './queue/task-result';
import { Workspace } from './tools/workspace';

/** How long one blocking read waits for new tasks. */
const BLOCK_MS = 2_000;
/** How often the command connection is pinged, and how long a PING may take before it counts as dead. */
const PING_EVERY_MS = 3_000;
const PING_TIMEOUT_MS = 2_000;

export interface AgentDependencies {
  readonly logger: Logger;
  /** When the process started, for the spawn-time metric. @default process start */
  readonly processStartMs?: number;
}

/**
 * One agent: reads its role's tasks, works on up to `concurrency` at once,
 * publishes results, and serves health and metrics. Lifecycle: `start()` once,
 * `close()` any number of times (it drains in-flight work first).
 */
export class Agent {
  readonly metrics: AgentMetrics;
  private readonly redis: RedisConnections;
  private readonly queue: TaskQueue;
  private readonly runner: TaskRunner;
  private readonly loopWatch: EventLoopWatch;
  private readonly health: ProbeServer;
  private readonly metricsHttp: ProbeServer;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Aborts sleeps and blocking waits when closing. */
  private readonly stopping = new AbortController();
  /** Aborts the LLM calls of unfinished tasks once the grace period is over. */
  private readonly abandon = new AbortController();
  private slotFreed?: () => void;
  private started = false;
  private everReady = false;
  private draining = false;
  private closing?: Promise<void>;
  private loop?: Promise<void>;
  private timers: NodeJS.Timeout[] = [];
  private lastReclaimMs = 0;
  /** Credentials that must not leave the process in a result. */
  private readonly secrets: string[];
  /** False while Redis takes no commands although the socket looks open (a silently dead connection). */
  private redisAnswering = true;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly deps: AgentDependencies,
  ) {
    this.metrics = new AgentMetrics(config.role);
    this.secrets = configSecrets(config);
    this.metrics.capacity.set({ role: config.role }, config.concurrency);
    this.redis = createRedisConnections({ url: config.redisUrl, password: config.redisPassword, name: `hive-${config.role}-${config.consumer}` });
    this.queue = new TaskQueue(this.redis.commands, this.redis.blocking, config.role, config.consumer);
    const client = new Anthropic({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl, maxRetries: 4, timeout: 10 * 60_000 });
    this.runner = new TaskRunner(
      client,
      { model: config.anthropicModel, systemPrompt: loadRolePrompt(config.role), maxTurns: config.maxTurns, maxTokens: config.maxTokens },
      this.metrics,
      config.role,
    );
    this.loopWatch = new EventLoopWatch(config.eventLoopBlockMs);
    this.health = healthServer({ live: () => this.loopWatch.check(), ready: () => this.readiness() });
    this.metricsHttp = metricsServer(this.metrics.registry);
    for (const [name, connection] of Object.entries(this.redis)) {
      // ioredis emits an error per failed reconnect attempt: log the first of an outage only.
      let outage = false;
      connection.on('ready', () => {
        outage = false;
        this.onReadinessChange();
      });
      connection.on('close', () => this.onReadinessChange());
      connection.on('error', (error: Error) => {
        if (!outage) this.deps.logger.warn('redis connection error', { connection: name, error: error.message });
        outage = true;
      });
    }
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('Agent.start() was already called');
    this.started = true;
    this.loopWatch.start();
    // The bound ports differ from the configured ones only when those are 0 (tests).
    const ports = { health: await this.health.listen(this.config.healthPort), metrics: await this.metricsHttp.listen(this.config.metricsPort) };
    this.deps.logger.info('listening', ports);
    // Redis may come up after the agent: ioredis keeps reconnecting and readiness follows it.
    for (const connection of [this.redis.commands, this.redis.blocking]) {
      connection.connect().catch((error: Error) => this.deps.logger.warn('redis not reachable yet', { error: error.message }));
    }
    this.every(Math.max(100, Math.floor(this.config.claimIdleMs / 3)), () => this.renewInFlight());
    this.every(PING_EVERY_MS, () => this.pingRedis());
    if (this.config.role === 'meta') this.startHousekeeping();
    this.loop = this.consume();
  }

  /** Stops taking tasks, lets in-flight ones finish within the grace period, then disconnects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private readiness(): { ok: boolean; reason?: string } {
    if (this.draining) return { ok: false, reason: 'draining' };
    if (!this.started) return { ok: false, reason: 'starting' };
    const down = [this.redis.commands, this.redis.blocking].find((c) => c.status !== 'ready');
    if (down) return { ok: false, reason: `redis ${down.status}` };
    return this.redisAnswering ? { ok: true } : { ok: false, reason: 'redis not answering' };
  }

  private onReadinessChange(): void {
    const ready = this.readiness().ok;
    this.metrics.ready.set({ role: this.config.role }, ready ? 1 : 0);
    if (ready && !this.everReady) {
      this.everReady = true;
      const spawnSeconds = (Date.now() - (this.deps.processStartMs ?? Date.now() - process.uptime() * 1000)) / 1000;
      this.metrics.spawnSeconds.set({ role: this.config.role }, spawnSeconds);
      this.deps.logger.info('ready', { spawnSeconds });
    }
  }

  private async consume(): Promise<void> {
    const signal = this.stopping.signal;
    let redisDown = false;
    let groupReady = false;
    while (!signal.aborted) {
      const free = this.config.concurrency - this.inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      try {
        if (!groupReady) groupReady = (await this.queue.ensureGroup(), true);
        const deliveries = await this.nextDeliveries(free);
        if (redisDown) this.deps.logger.info('redis reads resumed');
        redisDown = false;
        for (const delivery of deliveries) this.dispatch(delivery);
      } catch (error) {
        if (signal.aborted) break;
        if (!redisDown) this.deps.logger.warn('reading tasks failed; retrying', { error: (error as Error).message });
        redisDown = true;
        // A Redis restarted without its data has lost the group too.
        if (String((error as Error).message).includes('NOGROUP')) groupReady = false;
        await sleep(500, signal);
      }
    }
  }

  /** Stale entries of crashed agents first, then new ones. */
  private async nextDeliveries(free: number): Promise<Delivery[]> {
    if (Date.now() - this.lastReclaimMs >= Math.min(5_000, this.config.claimIdleMs / 2)) {
      this.lastReclaimMs = Date.now();
      const reclaimed = await this.queue.reclaim(free, this.config.claimIdleMs);
      if (reclaimed.length > 0) return reclaimed;
    }
    return this.queue.readNew(free, BLOCK_MS);
  }

  private dispatch(delivery: Delivery): void {
    const work = this.process(delivery)
      .catch((error) => this.deps.logger.error('task handling failed', { entryId: delivery.entryId, error: (error as Error).message }))
      .finally(() => {
        this.inFlight.delete(delivery.entryId);
        this.metrics.tasksInFlight.set({ role: this.config.role }, this.inFlight.size);
        this.slotFreed?.();
      });
    this.inFlight.set(delivery.entryId, work);
    this.metrics.tasksInFlight.set({ role: this.config.role }, this.inFlight.size);
  }

  private async process(delivery: Delivery): Promise<void> {
    const { role } = this.config;
    let task: Task;
    try {
      task = parseTaskEntry(role, delivery);
    } catch (error) {
      if (!(error instanceof MalformedTaskError)) throw error;
      return this.deadLetter(delivery, `malformed task: ${error.message}`);
    }
    const logger = this.deps.logger.child({ taskId: task.id, entryId: task.entryId });
    if (delivery.deliveries > this.config.maxDeliveries) {
      return this.deadLetter(delivery, `delivered ${delivery.deliveries} times (limit ${this.config.maxDeliveries}) without a result`);
    }
    if (await this.queue.hasResult(task.id)) {
      await this.queue.ackDuplicate(task.entryId);
      logger.info('task already has a result; acknowledged without processing');
      return;
    }
    if (!delivery.reclaimed) this.metrics.dispatchLatency.observe({ role }, Math.max(0, Date.now() - task.enqueuedAtMs) / 1000);
    logger.info('task started', { deliveries: delivery.deliveries, reclaimed: delivery.reclaimed });

    const started = Date.now();
    const workspace = await Workspace.create(join(this.config.workspaceDir, `${task.id.replace(/[^\w.-]/g, '_')}-${task.entryId}`));
    try {
      const seedError = await this.seed(workspace, task);
      const outcome: TaskResult = seedError
        ? { status: 'failed', output: { text: '', files: {}, usage: { input_tokens: 0, output_tokens: 0 }, turns: 0, error: `payload.files: ${seedError}` } }
        : await this.runner.run(task, workspace, logger, this.abandon.signal);
      // An API error may quote a credential; results are read by producers and kept for long.
      const error = outcome.output.error;
      const result = error ? { ...outcome, output: { ...outcome.output, error: redact(error, this.secrets) } } : outcome;
      await this.queue.complete(task.entryId, task.id, result);
      this.metrics.taskFinished(result.status, (Date.now() - started) / 1000);
      logger.info(`task ${result.status}`, { turns: result.output.turns, usage: result.output.usage, error: result.output.error });
    } catch (error) {
      if (error instanceof LlmUnavailableError || this.abandon.signal.aborted) {
        // Not acknowledged: the entry stays pending and a live agent reclaims it after claimIdleMs.
        logger.warn('task released for another delivery', { error: (error as Error).message });
        return;
      }
      throw error;
    } finally {
      await workspace.remove().catch((error) => logger.warn('workspace not removed', { error: (error as Error).message }));
    }
  }

  /** Writes the task's files into its workspace; returns why it could not, for the task's result. */
  private async seed(workspace: Workspace, task: Task): Promise<string | undefined> {
    try {
      for (const [path, content] of Object.entries(task.payload.files ?? {})) await workspace.writeFile(path, content);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    await this.queue.deadLetter(delivery, reason);
    this.metrics.deadLetters.inc({ role: this.config.role });
    this.deps.logger.warn('task dead-lettered', { entryId: delivery.entryId, taskId: delivery.fields.id, reason, deliveries: delivery.deliveries });
  }

  private async renewInFlight(): Promise<void> {
    await this.queue.renew([...this.inFlight.keys()]).catch((error) => this.deps.logger.warn('renewing tasks failed', { error: (error as Error).message }));
  }

  /**
   * A connection can die without the socket noticing (no RST: a failed node, a
   * dropped NAT entry). Commands would then wait forever; a PING that gets no
   * answer in time makes the agent unready and drops the connection, so ioredis
   * reconnects it.
   */
  private async pingRedis(): Promise<void> {
    const commands = this.redis.commands;
    if (commands.status !== 'ready') return;
    const answered = await Promise.race([commands.ping().then(() => true, () => false), sleep(PING_TIMEOUT_MS).then(() => false)]);
    if (answered !== this.redisAnswering) {
      this.redisAnswering = answered;
      this.onReadinessChange();
    }
    if (!answered) {
      this.deps.logger.warn('redis did not answer a PING; reconnecting', { timeoutMs: PING_TIMEOUT_MS });
      commands.disconnect(true);
    }
  }

  private startHousekeeping(): void {
    const housekeeper = new Housekeeper(
      this.redis.commands,
      { claimIdleMs: this.config.claimIdleMs, maxDeliveries: this.config.maxDeliveries, streamMaxLength: this.config.streamMaxLength, consumer: this.config.consumer },
      this.deps.logger,
    );
    const round = async () => {
      try {
        const report = await housekeeper.run();
        this.metrics.publishBacklog(report.backlog);
        for (const [role, count] of Object.entries(report.deadLettered)) if (count > 0) this.metrics.deadLetters.inc({ role }, count);
      } catch (error) {
        this.deps.logger.warn('housekeeping failed', { error: (error as Error).message });
      }
    };
    void round();
    this.every(Math.min(5_000, this.config.claimIdleMs), round);
  }

  private every(ms: number, job: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void job().finally(() => (running = false));
    }, ms);
    this.timers.push(timer);
  }

  private async shutdown(): Promise<void> {
    const logger = this.deps.logger;
    this.draining = true;
    this.onReadinessChange();
    logger.info('draining', { inFlight: this.inFlight.size, graceMs: this.config.shutdownGraceMs });
    this.stopping.abort();
    this.slotFreed?.();
    // Ends a pending blocking read now; it is never re-sent (autoResendUnfulfilledCommands: false).
    this.redis.blocking.disconnect();
    await this.loop?.catch(() => undefined);

    const drained = await Promise.race([
      Promise.allSettled(this.inFlight.values()).then(() => true),
      sleep(this.config.shutdownGraceMs).then(() => false),
    ]);
    if (!drained) {
      logger.warn('grace period over; unfinished tasks stay pending for another agent', { tasks: [...this.inFlight.keys()] });
      this.abandon.abort();
      await Promise.race([Promise.allSettled(this.inFlight.values()), sleep(2_000)]);
    }
    const steps: Array<[string, () => unknown]> = [
      ['timers', () => this.timers.forEach(clearInterval)],
      ['event loop watch', () => this.loopWatch.stop()],
      ['redis', () => this.redis.commands.quit()],
      ['health server', () => this.health.close()],
      ['metrics server', () => this.metricsHttp.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        logger.warn(`closing ${name} failed`, { error: (error as Error).message });
      }
    }
    logger.info('stopped');
  }
}
