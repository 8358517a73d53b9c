import { ConfigError } from '../config/config-error';
import { BRIDGE_ENV, hiveKeys, LEGACY_TRACK } from '../contract';
import { sleep } from '../agent/abortable-sleep';
import { EventLoopWatch } from '../health/event-loop-watch';
import { healthServer, metricsServer, ProbeServer } from '../health/health-server';
import { runShutdownSteps, ShutdownStep } from '../lifecycle/shutdown-steps';
import { Logger } from '../log/logger';
import { MalformedTaskError } from '../queue/malformed-task-error';
import { withScripts } from '../queue/queue-scripts';
import { createRedisConnections, detectClusterMode, RedisConnections } from '../queue/redis-connections';
import { TrackRouter } from '../routing/track-router';
import { BridgeConfig } from './bridge-config';
import { BridgeMetrics } from './bridge-metrics';
import { fleetTaskFields, legacyEntryId } from './legacy-entry';
import { RouteTargetError } from './route-target-error';

/** How long one blocking take waits, and so how long a shutdown waits for it. */
const TAKE_TIMEOUT_S = 1;
/** The first wait after a failure; it doubles with each failure in a row, up to RETRY_MAX_MS. */
const RETRY_MS = 500;
const RETRY_MAX_MS = 5_000;
/** Failures in a row after which the bridge says it is not ready: one may be a blip, three are a problem to look at. */
const FAILURES_NOT_READY = 3;

/**
 * Moves the old producers' tasks (the source list) to the tracks the role's
 * weights pick, the legacy track being the old workers' list. Each entry is
 * first moved atomically into a processing list (BLMOVE), then one script
 * enqueues it on its target and removes it from processing; the processing
 * list is routed again at start and after any error, so an entry is routed
 * exactly once whenever the bridge dies. Lifecycle: `start()` once, `close()`
 * any number of times.
 */
export class LegacyBridge {
  readonly metrics: BridgeMetrics;
  private readonly keys;
  private readonly stopping = new AbortController();
  private readonly loopWatch = new EventLoopWatch(5_000);
  private readonly health: ProbeServer;
  private readonly metricsHttp: ProbeServer;
  private redis?: RedisConnections;
  private router?: TrackRouter;
  private running?: Promise<void>;
  private closing?: Promise<void>;
  /** Failures of the loop since it last routed or took nothing, and the last one's message. */
  private failures = 0;
  private lastFailure = '';

  constructor(
    private readonly config: BridgeConfig,
    private readonly logger: Logger,
  ) {
    this.keys = hiveKeys(config.keyPrefix);
    this.metrics = new BridgeMetrics(config.role, () => this.legacyBacklog());
    this.health = healthServer({ live: () => this.loopWatch.check(), ready: () => this.readiness() });
    this.metricsHttp = metricsServer(this.metrics.registry);
  }

  /** The bound ports (they differ from the configured ones only when those are 0). */
  async start(): Promise<{ health: number; metrics: number }> {
    if (this.running) throw new Error('the bridge is already started');
    const { config } = this;
    this.loopWatch.start();
    const health = await this.health.listen(config.healthPort);
    const metrics = await this.metricsHttp.listen(config.metricsPort);
    const redisOptions = { url: config.redisUrl, password: config.redisPassword, name: `hive-bridge-${config.consumer}`, keyPrefix: config.keyPrefix };
    const redis = createRedisConnections(redisOptions, await detectClusterMode(redisOptions, this.stopping.signal));
    this.redis = redis;
    for (const connection of [redis.commands, redis.blocking]) connection.on('error', () => undefined);
    await Promise.all([redis.commands.connect(), redis.blocking.connect()]);
    await this.checkListTypes();
    // With an old system to hand tasks to, a role without weights leaves all of them to it: deploying the bridge changes nothing.
    const defaultWeights = config.legacyList ? [{ track: LEGACY_TRACK, percent: 100 }] : undefined;
    this.router = new TrackRouter(redis.commands, this.logger, { keys: this.keys, legacyList: config.legacyList, defaultWeights });
    await this.router.start();
    this.running = this.loop();
    this.logger.info('bridge routing', { source: config.source, legacyList: config.legacyList, role: config.role, health, metrics });
    return { health, metrics };
  }

  /** Stops taking entries, routes the one it holds, then disconnects; an entry in flight stays in the processing list. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private readiness(): { ok: boolean; reason?: string } {
    if (this.stopping.signal.aborted) return { ok: false, reason: 'draining' };
    if (!this.running) return { ok: false, reason: 'starting' };
    if (this.redis?.blocking.status !== 'ready') return { ok: false, reason: `redis ${this.redis?.blocking.status}` };
    const problem = this.router?.problemOf(this.config.role);
    if (problem) return { ok: false, reason: `not routing: ${problem}` };
    if (this.failures >= FAILURES_NOT_READY) return { ok: false, reason: `routing failed ${this.failures} times in a row: ${this.lastFailure}` };
    return { ok: true };
  }

  /**
   * Refuses to start on keys that are not lists: the bridge takes from a list
   * and hands the old system only a list (BRPOP). A key that changes type
   * later is caught per entry by `bridge-route.lua`.
   */
  private async checkListTypes(): Promise<void> {
    const { source, legacyList } = this.config;
    for (const [name, key] of [[BRIDGE_ENV.source, source], [BRIDGE_ENV.legacyList, legacyList]] as const) {
      if (key === undefined) continue;
      const type = await this.redis!.commands.type(key);
      if (type !== 'none' && type !== 'list') throw new ConfigError(`Expected \`${name}\` (\`${key}\`) to name a Redis list, got a ${type}: the bridge takes from a list and hands the old workers only a list`);
    }
  }

  /** The old workers' list's length, for the backlog gauge; undefined without a list or a connection. */
  private async legacyBacklog(): Promise<number | undefined> {
    const { legacyList } = this.config;
    if (!legacyList || this.redis?.commands.status !== 'ready') return undefined;
    return this.redis.commands.llen(legacyList);
  }

  private async loop(): Promise<void> {
    const { signal } = this.stopping;
    const { source, role } = this.config;
    // What a previous run left in processing goes first; in the loop, so a target that cannot take it yet delays it, not the start.
    let recoverFirst = true;
    while (!signal.aborted) {
      try {
        if (recoverFirst) await this.recover();
        recoverFirst = false;
        // Weights that cannot be applied hold the entries in the source list until they are fixed.
        if (this.router!.problemOf(role)) {
          await sleep(RETRY_MS, signal);
          continue;
        }
        const entry = await this.redis!.blocking.blmove(source, this.keys.bridgeProcessing(role), 'RIGHT', 'LEFT', TAKE_TIMEOUT_S);
        if (entry !== null) await this.route(entry);
        if (this.failures > 0) this.logger.info('bridge routing again', { after: this.failures });
        this.failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        // A take whose answer was lost may have moved an entry into processing: route it before taking more.
        recoverFirst = true;
        const message = (error as Error).message;
        // A lasting problem (a wrong-type target) is logged when it starts or changes, not at every retry.
        if (this.failures === 0 || message !== this.lastFailure) this.logger.warn('bridge failed; retrying', { error: message });
        this.failures += 1;
        this.lastFailure = message;
        await sleep(Math.min(RETRY_MS * 2 ** (this.failures - 1), RETRY_MAX_MS), signal);
      }
    }
  }

  /** Routes what a previous run (or a failed take) left in the processing list, oldest first. */
  private async recover(): Promise<void> {
    const left = await this.redis!.commands.lrange(this.keys.bridgeProcessing(this.config.role), 0, -1);
    if (left.length > 0) this.logger.info('routing entries left in processing', { entries: left.length });
    for (const entry of left.reverse()) await this.route(entry);
  }

  /**
   * Picks the entry's track first, by an id read as leniently as the old
   * workers read entries: the legacy share goes to them unchanged, whatever it
   * holds, and only entries for the fleet must pass the agents' checks.
   */
  private async route(entry: string): Promise<void> {
    const { role, legacyList } = this.config;
    const commands = withScripts(this.redis!.commands);
    const processing = this.keys.bridgeProcessing(role);
    const id = legacyEntryId(entry);
    const track = await this.router!.trackFor(role, id);
    if (track === LEGACY_TRACK) {
      // A track recorded for the id by a run that had the list.
      if (!legacyList) throw new Error(`entry ${id} was placed on the \`${LEGACY_TRACK}\` track, but \`${BRIDGE_ENV.legacyList}\` names no list to send it to`);
      return this.enqueue(track, id, legacyList, entry, 'list');
    }
    let fields;
    try {
      fields = fleetTaskFields(role, entry, id);
    } catch (error) {
      if (!(error instanceof MalformedTaskError)) throw error;
      const record = JSON.stringify({ entry, error: error.message, at: new Date().toISOString() });
      if ((await commands.hiveBridgeReject(processing, this.keys.bridgeRejected(role), entry, record)) === 1) {
        this.metrics.rejected.inc({ role });
        this.logger.error('entry is not a task; kept in the rejected list', { error: error.message, track, rejectedList: this.keys.bridgeRejected(role) });
      }
      return;
    }
    return this.enqueue(track, id, this.keys.tasks(role, track), entry, 'stream', ...fields);
  }

  /** Moves the entry from processing to its target with `bridge-route.lua`; a target of the wrong type leaves it there and throws. */
  private async enqueue(track: string, id: string, target: string, entry: string, type: 'list' | 'stream', ...fields: string[]): Promise<void> {
    const { role } = this.config;
    const routed = await withScripts(this.redis!.commands).hiveBridgeRoute(this.keys.bridgeProcessing(role), target, entry, type, ...fields);
    if (typeof routed === 'string') throw new RouteTargetError(track, target, type, routed);
    if (routed === 1) {
      this.metrics.routed.inc({ role, track });
      this.logger.debug('entry routed', { taskId: id, track });
    }
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    this.router?.stop();
    const steps: ShutdownStep[] = [
      ['routing loop', () => this.running],
      ['redis', () => Promise.race([Promise.all([this.redis?.commands.quit(), this.redis?.blocking.quit()]), sleep(1_000)])],
      ['event loop watch', () => this.loopWatch.stop()],
      ['health server', () => this.health.close()],
      ['metrics server', () => this.metricsHttp.close()],
    ];
    await runShutdownSteps(steps, this.logger);
    for (const connection of [this.redis?.commands, this.redis?.blocking]) connection?.disconnect();
    this.logger.info('stopped');
  }
}
