import { AGENT_ROLES, AgentRole, HiveKeys } from '../contract';
import { Logger } from '../log/logger';
import { RedisClient } from '../queue/redis-connections';
import { ALL_STABLE, formatWeights, parseWeights, pickTrack, TrackWeights } from './track-weights';

export interface TrackRouterOptions {
  readonly keys: HiveKeys;
  /** How often every role's weights are read again: a change is in effect within about this long. @default 500 */
  readonly refreshMs?: number;
}

/**
 * Picks the track of each new task from its role's weights in Redis. The
 * weights are read in the background, so routing never waits on Redis; a
 * role whose weights are invalid or unreadable keeps its last good ones.
 */
export class TrackRouter {
  private readonly weights = new Map<AgentRole, TrackWeights>();
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

  trackFor(role: AgentRole, taskId: string): string {
    return pickTrack(this.weights.get(role) ?? ALL_STABLE, taskId);
  }

  /** Reads every role's weights; a slow Redis gets one read at a time, not a pile of them. */
  refresh(): Promise<void> {
    this.refreshing ??= Promise.all(AGENT_ROLES.map((role) => this.read(role))).then(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async read(role: AgentRole): Promise<void> {
    try {
      const next = parseWeights(await this.redis.hgetall(this.options.keys.trackWeights(role)));
      const previous = this.weights.get(role) ?? ALL_STABLE;
      if (formatWeights(next) !== formatWeights(previous)) this.logger.info('track weights changed', { role, weights: formatWeights(next), previous: formatWeights(previous) });
      this.weights.set(role, next);
      this.problems.delete(role);
    } catch (error) {
      const problem = (error as Error).message;
      if (this.problems.get(role) !== problem) this.logger.warn('track weights not applied; keeping the last good ones', { role, problem, weights: formatWeights(this.weights.get(role) ?? ALL_STABLE) });
      this.problems.set(role, problem);
    }
  }
}
