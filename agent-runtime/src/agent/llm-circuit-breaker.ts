import { CircuitState } from '../contract';
import { ScriptedClient } from '../queue/queue-scripts';


export interface CircuitBreakerOptions {
  /** Consecutive outages (after the SDK's retries) that open the breaker. */
  readonly failures: number;
  /** First open period; doubles after each failed probe. */
  readonly openMs: number;
  /** Longest open period. */
  readonly maxOpenMs: number;
  /** How long a probe task may run before another agent may probe instead. @default 120000 */
  readonly probeTimeoutMs?: number;
}

/**
 * A track's Messages-API circuit breaker, shared by the role's agents on that
 * track through Redis (scripts/breaker.lua; one per track, so a new track's
 * failing model does not stall the stable one). While it is open no agent of
 * the role's track takes tasks;
 * when the open period is over one agent wins the probe and takes a single
 * task: success closes the breaker, another outage opens it for twice as long.
 * The local view is refreshed by `refresh()` and by every reply, so the hot
 * path (`admits()` while closed) costs no round trip.
 */
export class LlmCircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  /** When a probe may start (the open period's end, or another agent's probe's timeout), on the local clock, as of the last reply. */
  private openUntilMs = 0;

  constructor(
    private readonly redis: ScriptedClient,
    private readonly key: string,
    private readonly consumer: string,
    private readonly options: CircuitBreakerOptions,
    private readonly onChange: (state: CircuitState) => void,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  async refresh(): Promise<void> {
    await this.call('read');
  }

  /** How many tasks this agent may take now (Infinity while closed), and how long to wait when none. */
  async admits(): Promise<{ tasks: number; waitMs: number }> {
    if (this.current === 'closed') return { tasks: Infinity, waitMs: 0 };
    const waitMs = this.openUntilMs - Date.now();
    if (waitMs > 0) return { tasks: 0, waitMs };
    const won = await this.call('probe');
    return won ? { tasks: 1, waitMs: 0 } : { tasks: 0, waitMs: Math.max(this.openUntilMs - Date.now(), 250) };
  }

  /** The Messages API answered: forget earlier outages (a round trip only when there were any). */
  async recordSuccess(): Promise<void> {
    if (this.current !== 'closed' || this.failures > 0) await this.call('success');
  }

  async recordOutage(): Promise<void> {
    await this.call('failure');
  }

  /** A won probe that found no task: give it up, so a task that arrives later is not held until the probe times out. */
  async abandonProbe(): Promise<void> {
    await this.call('unprobe');
  }

  private async call(operation: 'read' | 'failure' | 'success' | 'probe' | 'unprobe'): Promise<boolean> {
    const o = this.options;
    const [state, waitMs, failures, won] = (await this.redis.hiveBreaker(this.key, operation, this.consumer, o.failures, o.openMs, o.maxOpenMs, o.probeTimeoutMs ?? 120_000)) as [
      CircuitState,
      number,
      number,
      number,
    ];
    this.openUntilMs = Date.now() + Number(waitMs);
    this.failures = Number(failures);
    if (state !== this.current) {
      this.current = state;
      this.onChange(state);
    }
    return Number(won) === 1;
  }
}
