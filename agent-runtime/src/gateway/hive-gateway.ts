import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AGENT_ROLES, AgentRole, hiveKeys } from '../contract';
import { sleep } from '../agent/abortable-sleep';
import { EventLoopWatch } from '../health/event-loop-watch';
import { healthServer, metricsServer, ProbeServer } from '../health/health-server';
import { everyInBackground } from '../lifecycle/background-job';
import { runShutdownSteps, ShutdownStep } from '../lifecycle/shutdown-steps';
import { Logger } from '../log/logger';
import { createRedisConnections, detectClusterMode, RedisClient, RedisConnections } from '../queue/redis-connections';
import { registerRolloutGauges } from '../routing/rollout-gauges';
import { TrackRouter } from '../routing/track-router';
import { agentCard } from './agent-cards';
import { ClientTokens } from './client-tokens';
import { EventFollower } from './event-follower';
import { FleetChannel } from './fleet-channel';
import { gatewayApp } from './gateway-app';
import { GatewayConfig } from './gateway-config';
import { GatewayMetrics } from './gateway-metrics';
import { HiveRequestHandler } from './hive-request-handler';
import { ResultReconciler } from './result-reconciler';
import { migrateTaskHistory, TaskHistory } from './task-history';

export interface GatewayDependencies {
  readonly logger: Logger;
  /** Written into the agent cards. */
  readonly version: string;
}

/** How often the task history is asked whether it answers (readiness), and old tasks are deleted. */
const HISTORY_CHECK_MS = 5_000;
const RETENTION_EVERY_MS = 3_600_000;

/**
 * One gateway replica: migrates the task history, connects Redis, serves A2A
 * on the gateway port, health and metrics beside, and reconciles results
 * into the history. Lifecycle: `start()` once, `close()` any number of times.
 */
export class HiveGateway {
  readonly metrics = new GatewayMetrics();
  private readonly stopping = new AbortController();
  private readonly loopWatch = new EventLoopWatch(5_000);
  private readonly health: ProbeServer;
  private readonly metricsHttp: ProbeServer;
  private readonly timers: NodeJS.Timeout[] = [];
  private history?: TaskHistory;
  private historyAnswers = false;
  private redis?: RedisConnections;
  private followerConnection?: RedisClient;
  private follower?: EventFollower;
  private reconciler?: ResultReconciler;
  private router?: TrackRouter;
  private server?: Server;
  private draining = false;
  private closing?: Promise<void>;

  constructor(
    private readonly config: GatewayConfig,
    private readonly deps: GatewayDependencies,
  ) {
    this.health = healthServer({ live: () => this.loopWatch.check(), ready: () => this.readiness() });
    this.metricsHttp = metricsServer(this.metrics.registry);
  }

  /** The bound ports (they differ from the configured ones only when those are 0). */
  async start(): Promise<{ gateway: number; health: number; metrics: number }> {
    const { config, deps } = this;
    const tokens = ClientTokens.fromFile(config.tokensFile);
    this.loopWatch.start();
    const health = await this.health.listen(config.healthPort);
    const metrics = await this.metricsHttp.listen(config.metricsPort);

    await migrateTaskHistory(config, { log: (line) => deps.logger.info('task history migration', { line }), error: (line) => deps.logger.warn('task history migration', { line }) });
    const history = TaskHistory.open(config);
    this.history = history;
    await this.checkHistory();
    await this.deleteExpired();
    this.every(HISTORY_CHECK_MS, () => this.checkHistory());
    this.every(RETENTION_EVERY_MS, () => this.deleteExpired());

    const redisOptions = { url: config.redisUrl, password: config.redisPassword, name: `hive-gateway-${config.consumer}`, keyPrefix: config.keyPrefix };
    const cluster = await detectClusterMode(redisOptions, this.stopping.signal);
    const redis = createRedisConnections(redisOptions, cluster);
    this.redis = redis;
    this.followerConnection = redis.blocking.duplicate();
    for (const connection of [redis.commands, redis.blocking, this.followerConnection]) connection.on('error', () => undefined);
    await Promise.all([redis.commands.connect(), redis.blocking.connect(), this.followerConnection.connect()]);

    const keys = hiveKeys(config.keyPrefix);
    const channel = new FleetChannel(redis.commands, { keys, ttlSeconds: config.resultTtlSeconds });
    // The gateway needs every task's result, which the old system never writes: the legacy share goes to the fleet.
    const router = new TrackRouter(redis.commands, deps.logger, { keys, fleetOnly: true });
    this.router = router;
    await router.start();
    registerRolloutGauges(this.metrics.registry, router);
    this.follower = new EventFollower(this.followerConnection, keys);
    this.reconciler = new ResultReconciler(redis.blocking, history, channel, this.metrics, deps.logger, { keys, consumer: config.consumer });
    const handler = (role: AgentRole) =>
      new HiveRequestHandler(role, {
        card: agentCard(role, config.publicUrl, deps.version),
        history,
        channel,
        router,
        follower: this.follower!,
        caps: { maxTurns: config.maxTurns, maxTokens: config.maxTokens },
        metrics: this.metrics,
        logger: deps.logger,
        closing: this.stopping.signal,
      });
    const app = gatewayApp({
      handlers: Object.fromEntries(AGENT_ROLES.map((role) => [role, handler(role)])) as Record<AgentRole, HiveRequestHandler>,
      tokens,
      metrics: this.metrics,
      limits: { redis: redis.commands, keys, rateLimit: config.rateLimit, maxInFlight: config.maxInFlight, logger: deps.logger },
      maxBodyBytes: config.maxBodyBytes,
    });
    this.server = createServer(app);
    const server = this.server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, '0.0.0.0', resolve));
    this.reconciler.run();
    const gateway = (server.address() as AddressInfo).port;
    deps.logger.info('gateway serving', { gateway, health, metrics, cluster, history: config.databaseUrl ? 'postgresql' : `sqlite ${config.sqlitePath}` });
    return { gateway, health, metrics };
  }

  /** Stops taking requests, ends open streams, lets the reconciler finish its batch, then disconnects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private readiness(): { ok: boolean; reason?: string } {
    if (this.draining) return { ok: false, reason: 'draining' };
    if (!this.server?.listening) return { ok: false, reason: 'starting' };
    if (this.redis?.commands.status !== 'ready') return { ok: false, reason: `redis ${this.redis?.commands.status ?? 'not connected'}` };
    return this.historyAnswers ? { ok: true } : { ok: false, reason: 'task history not answering' };
  }

  private async checkHistory(): Promise<void> {
    try {
      await this.history?.ping();
      this.historyAnswers = true;
    } catch (error) {
      if (this.historyAnswers) this.deps.logger.warn('task history not answering', { error: (error as Error).message });
      this.historyAnswers = false;
    }
  }

  private async deleteExpired(): Promise<void> {
    const deleted = await this.history?.deleteFinishedBefore(Date.now() - this.config.retentionDays * 86_400_000);
    if (deleted) this.deps.logger.info('expired tasks deleted', { deleted, retentionDays: this.config.retentionDays });
  }

  private every(ms: number, job: () => Promise<void>): void {
    this.timers.push(everyInBackground(ms, job, this.deps.logger));
  }

  private async shutdown(): Promise<void> {
    this.draining = true;
    this.stopping.abort();
    this.timers.forEach(clearInterval);
    this.router?.stop();
    const server = this.server;
    const steps: ShutdownStep[] = [
      // Open streams end with the follower below; a request stuck on an unreachable Redis gets a few seconds.
      ['http server', () => server && Promise.race([new Promise<void>((resolve) => (server.close(() => resolve()), server.closeIdleConnections())), sleep(5_000).then(() => server.closeAllConnections())])],
      ['event follower', () => this.follower?.close()],
      ['reconciler', () => this.reconciler?.close()],
      ['redis', () => Promise.race([Promise.all([this.redis?.commands.quit(), this.redis?.blocking.quit(), this.followerConnection?.quit()]), sleep(1_000)])],
      ['task history', () => this.history?.close()],
      ['event loop watch', () => this.loopWatch.stop()],
      ['health server', () => this.health.close()],
      ['metrics server', () => this.metricsHttp.close()],
    ];
    await runShutdownSteps(steps, this.deps.logger);
    for (const connection of [this.redis?.commands, this.redis?.blocking, this.followerConnection]) connection?.disconnect();
    this.deps.logger.info('stopped');
  }
}
