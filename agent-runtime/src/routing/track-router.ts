import { AGENT_ROLES, AgentRole, BRIDGE_ENV, HiveKeys, LEGACY_TRACK } from '../contract';
import { Logger } from '../log/logger';
import { withScripts } from '../queue/queue-scripts';
import { RedisClient } from '../queue/redis-connections';
import { ALL_STABLE, fleetWeights, formatWeights, legacyPercent, parseWeights, placementArgs, TrackWeights, TrackWeightsError } from './track-weights';

export interface TrackRouterOptions {
  readonly keys: HiveKeys;
  /** How often every role's weights are read again: a change is in effect within about this long. @default 500 */
  readonly refreshMs?: number;
  /**
   * The old system's list (HIVE_LEGACY_LIST). Without it, weights that give
   * the legacy track a share are refused like invalid ones, unless the
   * producer only asks for fleet tracks (`fleetTrackFor`).
   */
  readonly legacyList?: string;
  /** Only fleet tracks are asked for (the gateway): a legacy share needs no list. @default false */
  readonly fleetOnly?: boolean;
  /** What a role without weights gets. @default everything to stable */
  readonly defaultWeights?: TrackWeights;
}

/** How long the track of a placed id is kept: an id re-sent within it lands on the same track. */
const ROUTE_RECORD_SECONDS = 86_400;

/** What the router last read of a role. */
export interface RoleRouting {
  readonly weights: TrackWeights;
  /** The running rollout's step (1-based), 0 when none runs. */
  readonly step: number;
}

/**
 * Picks the track of each new task from its role's weights in Redis. The
 * weights are read in the background and a role whose weights are invalid or
 * unreadable keeps its last good ones; each placement is one script call
 * (`route-task.lua`), which splits consecutive tasks exactly by the weights
 * and records each id's track, so a re-sent id lands on the same track.
 */
export class TrackRouter {
  private readonly routing = new Map<AgentRole, RoleRouting>();
  /** The last problem logged per role, so a lasting problem is logged once. */
  private readonly problems = new Map<AgentRole, string>();
  private refreshing?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    private readonly options: TrackRouterOptions,
  ) {}

  /** Reads the weights once, then keeps them fresh until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The track of a new task, `legacy` included; a re-sent id gets the track it got first. */
  trackFor(role: AgentRole, taskId: string): Promise<string> {
    const { keys } = this.options;
    return this.place(keys.routeRecord(role, taskId), keys.routeSequence(role, 'all'), ROUTE_RECORD_SECONDS, this.routingOf(role).weights);
  }

  /**
   * The track of a new task among the fleet's own tracks (README: "Migrating from the old agents"),
   * for a producer that makes a fresh id for every task (the gateway): no id is ever sent again,
   * so none is recorded.
   */
  fleetTrackFor(role: AgentRole): Promise<string> {
    const sequence = this.options.keys.routeSequence(role, 'fleet');
    return this.place(sequence, sequence, 0, fleetWeights(this.routingOf(role).weights));
  }

  /** The weights and rollout step last read for the role. */
  routingOf(role: AgentRole): RoleRouting {
    return this.routing.get(role) ?? { weights: this.options.defaultWeights ?? ALL_STABLE, step: 0 };
  }

  /** Why the role's stored weights are not applied, while they are not. */
  problemOf(role: AgentRole): string | undefined {
    return this.problems.get(role);
  }

  /** Reads every role's weights; a slow Redis gets one read at a time, not a pile of them. */
  refresh(): Promise<void> {
    this.refreshing ??= Promise.all(AGENT_ROLES.map((role) => this.read(role))).then(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** One `route-task.lua` call; an expiry of 0 records nothing (and leaves `record` alone). */
  private async place(record: string, sequence: string, expirySeconds: number, weights: TrackWeights): Promise<string> {
    return (await withScripts(this.redis).hiveRouteTask(record, sequence, expirySeconds, ...placementArgs(weights))) as string;
  }

  private async read(role: AgentRole): Promise<void> {
    const { keys } = this.options;
    try {
      const [stored, [status, step]] = await Promise.all([this.redis.hgetall(keys.trackWeights(role)), this.redis.hmget(keys.rolloutState(role), 'status', 'step')]);
      const next = Object.keys(stored).length === 0 && this.options.defaultWeights ? this.options.defaultWeights : parseWeights(stored);
      if (legacyPercent(next) > 0 && !this.options.legacyList && !this.options.fleetOnly) {
        throw new TrackWeightsError(`the weights give the \`${LEGACY_TRACK}\` track ${legacyPercent(next)} %, but \`${BRIDGE_ENV.legacyList}\` names no list to send its tasks to`);
      }
      const previous = this.routingOf(role).weights;
      if (formatWeights(next) !== formatWeights(previous)) this.logger.info('track weights changed', { role, weights: formatWeights(next), previous: formatWeights(previous) });
      this.routing.set(role, { weights: next, step: status === 'running' ? Number(step) || 0 : 0 });
      this.problems.delete(role);
    } catch (error) {
      const problem = (error as Error).message;
      if (this.problems.get(role) !== problem) this.logger.warn('track weights not applied; keeping the last good ones', { role, problem, weights: formatWeights(this.routingOf(role).weights) });
      this.problems.set(role, problem);
    }
  }
}
