import Anthropic from '@anthropic-ai/sdk';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { sleep } from './agent/abortable-sleep';
import { LlmCircuitBreaker } from './agent/llm-circuit-breaker';
import { loadRolePrompt } from './agent/role-prompt';
import { TaskProcessor } from './agent/task-processor';
import { TaskRunner } from './agent/task-runner';
import { configSecrets, RuntimeConfig } from './config/runtime-config';
import { CIRCUIT_STATE_VALUE, CircuitState, hiveKeys } from './contract';
import { EventLoopWatch } from './health/event-loop-watch';
import { healthServer, metricsServer, ProbeServer } from './health/health-server';
import { everyInBackground } from './lifecycle/background-job';
import { runShutdownSteps, ShutdownStep } from './lifecycle/shutdown-steps';
import { Logger } from './log/logger';
import { AgentMetrics } from './metrics/agent-metrics';
import { ConnectionWatchdog } from './queue/connection-watchdog';
import { Housekeeper } from './queue/housekeeper';
import { withScripts } from './queue/queue-scripts';
import { createRedisConnections, detectClusterMode, RedisConnections } from './queue/redis-connections';
import { TaskConsumer } from './queue/task-consumer';
import { TaskQueue } from './queue/task-queue';
import { SandboxClient } from './sandbox/sandbox-client';
import { SandboxUnavailableError } from './sandbox/sandbox-unavailable-error';
import { TASK_NAME } from './sandbox/sandbox-protocol';
import { taskRoot } from './sandbox/task-directories';

export interface AgentDependencies {
  readonly logger: Logger;
  /** When the process started, for the spawn-time metric. @default process start */
  readonly processStartMs?: number;
}

/**
 * How often the local view of the shared circuit breaker is refreshed. An agent
 * that is not told learns of an outage at its own first failed call; each
 * refresh is a round trip: refreshed every second, it was a third of an idle
 * agent's CPU.
 */
const BREAKER_REFRESH_MS = 5_000;
/** How often readiness asks the sandbox sidecar whether it answers. */
const SANDBOX_PING_MS = 2_000;

/**
 * One agent: wires the Redis connections, the consumer, the task pipeline,
 * health and metrics, and (for meta) housekeeping. Lifecycle: `start()` once,
 * `close()` any number of times (it drains in-flight work first).
 */
export class Agent {
  readonly metrics: AgentMetrics;
  private readonly runner: TaskRunner;
  private readonly loopWatch: EventLoopWatch;
  private readonly health: ProbeServer;
  private readonly metricsHttp: ProbeServer;
  /** The sandbox sidecar, when this agent has one (HIVE_SANDBOX_SOCKET). */
  private readonly sandbox?: SandboxClient;
  private sandboxAnswering = false;
  /** Task directories the sandbox has yet to remove: of an earlier run of this agent, or whose cleanup failed. */
  private readonly leftBehind = new Set<string>();
  /** Aborts waits of start() when closing. */
  private readonly stopping = new AbortController();
  private redis?: RedisConnections;
  private consumer?: TaskConsumer;
  private watchdog?: ConnectionWatchdog;
  private readonly timers: NodeJS.Timeout[] = [];
  private started = false;
  private everReady = false;
  private draining = false;
  private closing?: Promise<void>;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly deps: AgentDependencies,
  ) {
    this.metrics = new AgentMetrics(config.role, config.track, config.role === 'meta' ? config.fleetTracks : []);
    this.metrics.capacity.set({ role: config.role }, config.concurrency);
    const client = new Anthropic({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl, maxRetries: 4, timeout: 10 * 60_000 });
    this.runner = new TaskRunner(
      client,
      { model: config.anthropicModel, systemPrompt: loadRolePrompt(config.role), maxTurns: config.maxTurns, maxTokens: config.maxTokens },
      this.metrics,
      config.role,
    );
    this.sandbox = config.sandboxSocket ? new SandboxClient(config.sandboxSocket) : undefined;
    this.loopWatch = new EventLoopWatch(config.eventLoopBlockMs);
    this.health = healthServer({ live: () => this.loopWatch.check(), ready: () => this.readiness() });
    this.metricsHttp = metricsServer(this.metrics.registry);
  }

  /** Serves probes at once, then waits for Redis (the agent is unready meanwhile) and starts consuming. */
  async start(): Promise<void> {
    if (this.started) throw new Error('Agent.start() was already called');
    this.started = true;
    this.loopWatch.start();
    // The bound ports differ from the configured ones only when those are 0 (tests).
    const ports = { health: await this.health.listen(this.config.healthPort), metrics: await this.metricsHttp.listen(this.config.metricsPort) };
    this.deps.logger.info('listening', ports);
    if (this.sandbox) await this.startSandbox(this.sandbox);

    const { config } = this;
    const options = { url: config.redisUrl, password: config.redisPassword, name: `hive-${config.role}-${config.consumer}`, keyPrefix: config.keyPrefix };
    let cluster: boolean;
    try {
      cluster = await detectClusterMode(options, this.stopping.signal);
    } catch (error) {
      if (this.stopping.signal.aborted) return; // closed before Redis was reached
      throw error;
    }
    const redis = createRedisConnections(options, cluster);
    this.redis = redis;
    this.watchConnections(redis);
    await Promise.all([redis.commands.connect(), redis.blocking.connect()].map((p) => p.catch(() => undefined)));
    await this.bothReady(redis);
    if (this.stopping.signal.aborted) return;

    const keys = hiveKeys(config.keyPrefix);
    const queue = new TaskQueue(redis.commands, redis.blocking, { keys, role: config.role, track: config.track, consumer: config.consumer, resultTtlSeconds: config.resultTtlSeconds });
    const breaker = new LlmCircuitBreaker(
      withScripts(redis.commands),
      keys.breaker(config.role, config.track),
      config.consumer,
      { failures: config.breakerFailures, openMs: config.breakerOpenMs, maxOpenMs: config.breakerMaxOpenMs },
      (state) => this.onCircuitChange(state),
    );
    const processor = new TaskProcessor(queue, this.runner, breaker, this.metrics, this.deps.logger, {
      role: config.role,
      workspaceDir: config.workspaceDir,
      maxDeliveries: config.maxDeliveries,
      checkpointMaxBytes: config.checkpointMaxBytes,
      checkpointTtlSeconds: config.resultTtlSeconds,
      claimIdleMs: config.claimIdleMs,
      secrets: configSecrets(config),
      sandbox: this.sandbox && {
        client: this.sandbox,
        limits: config.commandLimits,
        gitToken: config.gitToken,
        gitPushToken: config.gitPushToken,
        gitHost: config.gitHost,
        leftBehind: (name) => this.leftBehind.add(name),
      },
    });
    this.consumer = new TaskConsumer(queue, processor.handle, breaker, this.metrics, this.deps.logger, {
      concurrency: config.concurrency,
      claimIdleMs: config.claimIdleMs,
      shutdownGraceMs: config.shutdownGraceMs,
    });
    this.every(BREAKER_REFRESH_MS, () => breaker.refresh());
    if (config.role === 'meta') this.startHousekeeping(redis);
    this.consumer.run();
    this.deps.logger.info('consuming', { cluster, stream: queue.stream });
  }

  /** Stops taking tasks, lets in-flight ones finish within the grace period, then disconnects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private readiness(): { ok: boolean; reason?: string } {
    if (this.draining) return { ok: false, reason: 'draining' };
    if (!this.redis) return { ok: false, reason: 'connecting to redis' };
    const down = [this.redis.commands, this.redis.blocking].find((c) => c.status !== 'ready');
    if (down) return { ok: false, reason: `redis ${down.status}` };
    if (this.sandbox && !this.sandboxAnswering) return { ok: false, reason: 'sandbox not answering' };
    return this.watchdog?.answering === false ? { ok: false, reason: 'redis not answering' } : { ok: true };
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

  /**
   * Makes the task root the sandbox may enter but not list, and follows
   * whether the sandbox answers: readiness depends on it. Task directories
   * found at start belong to tasks this agent's previous run did not finish
   * (the workspace volume outlives a container restart), and a task's cleanup
   * fails while the sandbox restarts: the sandbox removes them once it answers.
   */
  private async startSandbox(sandbox: SandboxClient): Promise<void> {
    // What the agent writes in a task directory stays usable by the sandbox's group, never by others.
    process.umask(0o007);
    const root = taskRoot(this.config.workspaceDir);
    await mkdir(root, { recursive: true });
    // Group: enter and make task directories; no read bit, so no command can list the other tasks' names.
    await chmod(root, 0o2730);
    for (const name of await readdir(root)) if (TASK_NAME.test(name)) this.leftBehind.add(name);
    const ping = async () => {
      const answering = await sandbox.ping().then(
        () => true,
        (error: Error) => {
          if (this.sandboxAnswering) this.deps.logger.warn('sandbox not answering', { error: error.message });
          return false;
        },
      );
      if (answering && this.leftBehind.size) await this.removeLeftBehind(sandbox);
      if (answering === this.sandboxAnswering) return;
      this.sandboxAnswering = answering;
      this.onReadinessChange();
    };
    await ping();
    this.every(SANDBOX_PING_MS, ping);
  }

  /** Those the sandbox could not be asked about stay listed for the next ping; a refusal is final. */
  private async removeLeftBehind(sandbox: SandboxClient): Promise<void> {
    const names = [...this.leftBehind];
    const removed = await Promise.all(
      names.map((name) =>
        sandbox.cleanup(name).then(
          () => this.leftBehind.delete(name),
          (error: Error) => {
            if (!(error instanceof SandboxUnavailableError)) this.leftBehind.delete(name);
            return false;
          },
        ),
      ),
    );
    const count = removed.filter(Boolean).length;
    this.deps.logger.info('removed task directories of unfinished tasks', { removed: count, failed: names.length - count });
  }

  private onCircuitChange(state: CircuitState): void {
    this.metrics.circuitState.set({ role: this.config.role }, CIRCUIT_STATE_VALUE[state]);
    this.deps.logger.warn('llm circuit breaker changed', { state });
  }

  private watchConnections(redis: RedisConnections): void {
    for (const [name, connection] of [['commands', redis.commands], ['blocking', redis.blocking]] as const) {
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
    this.watchdog = new ConnectionWatchdog(redis.commands, (answering, timeoutMs) => {
      if (!answering) this.deps.logger.warn('redis did not answer a PING; reconnecting', { timeoutMs });
      this.onReadinessChange();
    });
    this.watchdog.start();
  }

  /** No read happens before both connections are ready. */
  private async bothReady(redis: RedisConnections): Promise<void> {
    while (!this.stopping.signal.aborted && (redis.commands.status !== 'ready' || redis.blocking.status !== 'ready')) {
      await sleep(50, this.stopping.signal);
    }
  }

  private startHousekeeping(redis: RedisConnections): void {
    const housekeeper = new Housekeeper(
      withScripts(redis.commands),
      {
        keys: hiveKeys(this.config.keyPrefix),
        claimIdleMs: this.config.claimIdleMs,
        maxDeliveries: this.config.maxDeliveries,
        streamMaxLength: this.config.streamMaxLength,
        consumer: this.config.consumer,
        resultTtlSeconds: this.config.resultTtlSeconds,
        tracks: this.config.fleetTracks,
      },
      this.deps.logger,
    );
    const round = async () => {
      try {
        const report = await housekeeper.run();
        this.metrics.publishHousekeeping(report);
      } catch (error) {
        this.metrics.orchestratorError('redis');
        this.deps.logger.warn('housekeeping failed', { error: (error as Error).message });
      }
    };
    void round();
    this.every(Math.min(5_000, this.config.claimIdleMs), round);
  }

  private every(ms: number, job: () => Promise<void>): void {
    this.timers.push(everyInBackground(ms, job, this.deps.logger));
  }

  private async shutdown(): Promise<void> {
    const logger = this.deps.logger;
    this.draining = true;
    this.onReadinessChange();
    logger.info('draining', { inFlight: this.consumer?.tasksInFlight ?? 0, graceMs: this.config.shutdownGraceMs });
    this.stopping.abort();
    const steps: ShutdownStep[] = [
      ['consumer', () => this.consumer?.close()],
      ['timers', () => this.timers.forEach(clearInterval)],
      ['watchdog', () => this.watchdog?.stop()],
      ['event loop watch', () => this.loopWatch.stop()],
      // QUIT waits for Redis; while it is down, disconnect instead of waiting until SIGKILL.
      ['redis', () => Promise.race([Promise.all([this.redis?.commands.quit(), this.redis?.blocking.quit()]), sleep(1_000)]).finally(() => this.disconnect())],
      ['health server', () => this.health.close()],
      ['metrics server', () => this.metricsHttp.close()],
    ];
    await runShutdownSteps(steps, logger);
    logger.info('stopped');
  }

  private disconnect(): void {
    this.redis?.commands.disconnect();
    this.redis?.blocking.disconnect();
  }
}
