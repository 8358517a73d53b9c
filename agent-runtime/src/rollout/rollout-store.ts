import { AgentRole, HiveKeys } from '../contract';
import { withScripts } from '../queue/queue-scripts';
import { RedisClient } from '../queue/redis-connections';
import { GateResult } from './gate-evaluation';
import { RolloutPlan } from './rollout-plan';

export type RolloutStatus = 'running' | 'completed' | 'rolled_back';

/** A role's latest rollout, as kept in `<prefix>:rollout:<role>:state`. */
export interface RolloutState {
  readonly plan: RolloutPlan;
  readonly status: RolloutStatus;
  /** The step in effect (1-based); 0 before the first and once ended. */
  readonly step: number;
  readonly startedAt: string;
  readonly stepStartedAt?: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  /** The latest evaluation of the gates. */
  readonly gates: readonly GateResult[];
  /** Why it ended (or the latest decision). */
  readonly reason?: string;
}

/** A decision to write: the weights (whole) and the state fields that change. */
export interface RolloutChange {
  /** The lock owner the writer must be; undefined for a rollback by hand. */
  readonly owner?: string;
  /** What the stored rollout must be for the change to apply. */
  readonly expect: 'running' | 'idle' | 'exists';
  readonly weights?: Readonly<Record<string, number>>;
  readonly state: Partial<RolloutState>;
}

/** The rollout changed under this writer (lost lock, rolled back by hand): nothing was written. */
export class RolloutConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutConflictError';
  }
}

/** A role's rollout state and weights in Redis; every decision goes through one script (rollout-apply.lua). */
export class RolloutStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: HiveKeys,
    readonly role: AgentRole,
  ) {}

  async read(): Promise<RolloutState | undefined> {
    const hash = await this.redis.hgetall(this.keys.rolloutState(this.role));
    if (!hash.status) return undefined;
    return {
      plan: JSON.parse(hash.plan) as RolloutPlan,
      status: hash.status as RolloutStatus,
      step: Number(hash.step),
      startedAt: hash.startedAt,
      stepStartedAt: hash.stepStartedAt || undefined,
      updatedAt: hash.updatedAt,
      finishedAt: hash.finishedAt || undefined,
      gates: hash.gates ? (JSON.parse(hash.gates) as GateResult[]) : [],
      reason: hash.reason || undefined,
    };
  }

  /** The weights as stored (track -> percent); empty when the role has none. */
  async weights(): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.trackWeights(this.role));
  }

  async apply(change: RolloutChange): Promise<void> {
    const weights = Object.entries(change.weights ?? {}).flatMap(([track, percent]) => [track, String(percent)]);
    const state = Object.entries({ ...change.state, updatedAt: new Date().toISOString() })
      .filter(([, value]) => value !== undefined)
      .flatMap(([field, value]) => [field, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
    const answer = await withScripts(this.redis).hiveRolloutApply(
      this.keys.rolloutState(this.role),
      this.keys.trackWeights(this.role),
      this.keys.rolloutLock(this.role),
      change.owner ?? '',
      change.expect,
      weights.length / 2,
      ...weights,
      ...state,
    );
    if (answer !== 'ok') throw new RolloutConflictError(String(answer));
  }
}
