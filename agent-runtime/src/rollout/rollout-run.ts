import { sleep } from '../agent/abortable-sleep';
import { describeGate, evaluateGates, GateResult } from './gate-evaluation';
import { formatDuration } from './duration';
import { PrometheusApi } from './prometheus-api';
import { RolloutLock } from './rollout-lock';
import { RolloutPlan, weightsAt } from './rollout-plan';
import { RolloutConflictError, RolloutState, RolloutStore } from './rollout-store';

/** How a rollout that did not reach 100 % ended; the message is the reason. */
export class RolloutStoppedError extends Error {
  constructor(
    message: string,
    /**
     * rolled_back: its tasks went back to the old track; lost_lock: another process decides now;
     * unanswered: Prometheus did not answer, the weights stay as they are for `resume`.
     */
    readonly kind: 'rolled_back' | 'lost_lock' | 'unanswered',
  ) {
    super(message);
    this.name = 'RolloutStoppedError';
  }
}

export interface RolloutRunDeps {
  readonly store: RolloutStore;
  readonly lock: RolloutLock;
  readonly prometheus: PrometheusApi;
  /** One line per decision. */
  readonly decide: (line: string) => void;
}

/**
 * Walks a plan's steps from a stored state: sets each step's weights, soaks,
 * asks the gates every `checkEveryMs` and at the end of the step, and rolls
 * back at the first failed gate. A step's end that has no evidence yet (no
 * task finished in the window) soaks on, up to one more soak, then rolls
 * back. Gates Prometheus does not answer are asked again for up to
 * `checkEveryMs`, then the run stops and leaves the weights as they are.
 * Holds the lock for its whole run; every write goes through the store's
 * script, which refuses it once the lock is lost or the rollout was rolled
 * back by hand. Rolling back needs no lock: it is always safe.
 */
export class RolloutRun {
  private readonly lockLost = new AbortController();
  private renewTimer?: NodeJS.Timeout;

  constructor(
    private readonly plan: RolloutPlan,
    private readonly deps: RolloutRunDeps,
  ) {}

  /** Resolves when 100 % passed its gates; throws RolloutStoppedError otherwise. */
  async run(from: RolloutState): Promise<void> {
    this.keepLock();
    try {
      await this.walk(from);
    } finally {
      clearInterval(this.renewTimer);
      await this.deps.lock.release().catch(() => undefined);
    }
  }

  private async walk(from: RolloutState): Promise<void> {
    const { plan } = this;
    const resumedStep = from.step >= 1 && from.stepStartedAt ? from.step : 0;
    for (let step = Math.max(1, resumedStep); step <= plan.steps.length; step++) {
      let startedAt = Date.now();
      if (step === resumedStep) {
        startedAt = Date.parse(from.stepStartedAt!);
        this.deps.decide(`step ${step}/${plan.steps.length} resumed: ${this.split(step)}, ${formatDuration(Math.max(0, startedAt + plan.soakMs - Date.now()))} of its soak left`);
      } else {
        await this.write({ weights: weightsAt(plan, step), state: { step, stepStartedAt: new Date(startedAt).toISOString(), reason: `step ${step}: ${this.split(step)}` } });
        this.deps.decide(`step ${step}/${plan.steps.length}: ${this.split(step)}; soaking ${formatDuration(plan.soakMs)}`);
      }
      await this.soak(step, startedAt + plan.soakMs);
      const gates = await this.stepEnd(step, startedAt + 2 * plan.soakMs);
      await this.write({ state: { gates } });
      this.deps.decide(`step ${step}/${plan.steps.length} passed its gates: ${gates.map(describeGate).join('; ')}`);
    }
    await this.write({ state: { status: 'completed', step: 0, finishedAt: new Date().toISOString(), reason: `${plan.to} has 100 % of ${plan.role}'s new tasks` } });
  }

  /** Waits out the step, asking the gates on the way: a gate judged and failed rolls back at once. */
  private async soak(step: number, until: number): Promise<void> {
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) return;
      await sleep(Math.min(this.plan.checkEveryMs, left), this.lockLost.signal);
      await this.stillRunning();
      if (Date.now() >= until) return;
      const gates = await this.ask(step, false);
      if (gates.some((gate) => gate.judged && !gate.passed)) await this.rollBack(step, gates);
      await this.write({ state: { gates } });
    }
  }

  /**
   * The step's end: every gate must pass. Without evidence yet (nothing finished in the window)
   * it soaks on, asking every `checkEveryMs`, until `extendedUntil`; a gate that fails on its value rolls back at once.
   */
  private async stepEnd(step: number, extendedUntil: number): Promise<GateResult[]> {
    for (let extended = false; ; extended = true) {
      const gates = await this.ask(step, true);
      const failed = gates.filter((gate) => !gate.passed);
      if (failed.length === 0) return gates;
      const waiting = failed.every((gate) => gate.awaitingTasks);
      if (!waiting || Date.now() >= extendedUntil) await this.rollBack(step, gates, waiting ? 'no tasks finished: ' : '');
      if (!extended) this.deps.decide(`step ${step}/${this.plan.steps.length}: no tasks finished yet (${failed.map(describeGate).join('; ')}); soaking on for up to ${formatDuration(Math.max(0, extendedUntil - Date.now()))}`);
      await sleep(Math.min(this.plan.checkEveryMs, Math.max(0, extendedUntil - Date.now())), this.lockLost.signal);
      await this.stillRunning();
    }
  }

  /**
   * The gates' verdicts. A gate Prometheus does not answer is neither passed nor failed: asked
   * again for up to `checkEveryMs`, then the run stops and the weights stay for `resume`.
   */
  private async ask(step: number, atStepEnd: boolean): Promise<GateResult[]> {
    const moment = { atStepEnd, fromPercent: weightsAt(this.plan, step)[this.plan.from], from: this.plan.from };
    const giveUpAt = Date.now() + this.plan.checkEveryMs;
    for (;;) {
      const gates = await evaluateGates(this.deps.prometheus, this.plan.gates, moment);
      const unanswered = gates.filter((gate) => gate.unanswered);
      if (unanswered.length === 0) return gates;
      const why = unanswered.map(describeGate).join('; ');
      if (Date.now() >= giveUpAt) {
        const reason = `stopped at step ${step}/${this.plan.steps.length} with the weights as they are (${this.split(step)}): Prometheus did not answer for ${formatDuration(this.plan.checkEveryMs)} (${why}); \`hive rollout resume --role ${this.plan.role}\` continues once it answers`;
        await this.write({ state: { reason } }).catch(() => undefined);
        throw new RolloutStoppedError(reason, 'unanswered');
      }
      this.deps.decide(`Prometheus did not answer (${why}); asking again for up to ${formatDuration(Math.max(0, giveUpAt - Date.now()))}`);
      await sleep(Math.max(1, Math.min(this.plan.checkEveryMs / 5, giveUpAt - Date.now())), this.lockLost.signal);
      await this.stillRunning();
    }
  }

  /** Needs no lock (a lock that lapsed must not keep the failing track's share): only a rollout that still runs. */
  private async rollBack(step: number, gates: readonly GateResult[], cause = ''): Promise<never> {
    const failed = gates.filter((gate) => !gate.passed).map(describeGate).join('; ');
    const reason = `rolled back at step ${step}/${this.plan.steps.length} (${this.plan.to} at ${this.plan.steps[step - 1]} %): ${cause}gate ${failed}`;
    try {
      await this.deps.store.apply({ expect: 'running', weights: weightsAt(this.plan, 0), state: { status: 'rolled_back', step: 0, finishedAt: new Date().toISOString(), gates, reason } });
    } catch (error) {
      if (!(error instanceof RolloutConflictError)) throw error;
      await this.stillRunning();
      throw new RolloutStoppedError(`could not roll back: ${error.message}`, 'lost_lock');
    }
    this.deps.decide(`${reason}; ${this.split(0)}, tasks already on ${this.plan.to} finish there`);
    throw new RolloutStoppedError(reason, 'rolled_back');
  }

  /** Stops when the rollout was ended by another command (a rollback by hand) or the lock is gone. */
  private async stillRunning(): Promise<void> {
    if (this.lockLost.signal.aborted) throw new RolloutStoppedError('lost the rollout lock (Redis unreachable for longer than its expiry, or another process took it); `hive rollout status` shows who decides now', 'lost_lock');
    const state = await this.deps.store.read();
    if (state?.status !== 'running') throw new RolloutStoppedError(state?.reason ?? 'the rollout state is gone', 'rolled_back');
  }

  private async write(change: { weights?: Record<string, number>; state: Partial<RolloutState> }): Promise<void> {
    try {
      await this.deps.store.apply({ owner: this.deps.lock.owner, expect: 'running', ...change });
    } catch (error) {
      if (!(error instanceof RolloutConflictError)) throw error;
      await this.stillRunning();
      throw new RolloutStoppedError(`lost the rollout lock: ${error.message}; \`hive rollout status\` shows who decides now`, 'lost_lock');
    }
  }

  /** Renews the lock every third of its expiry; a lock not renewed for a whole expiry counts as lost. */
  private keepLock(): void {
    let renewedAt = Date.now();
    this.renewTimer = setInterval(() => {
      this.deps.lock
        .renew()
        .then((held) => {
          if (held) renewedAt = Date.now();
          else this.lockLost.abort();
        })
        .catch(() => {
          if (Date.now() - renewedAt > this.plan.lockTtlMs) this.lockLost.abort();
        });
    }, this.plan.lockTtlMs / 3);
  }

  private split(step: number): string {
    const weights = weightsAt(this.plan, step);
    return `${this.plan.to} ${weights[this.plan.to]} %, ${this.plan.from} ${weights[this.plan.from]} %`;
  }
}
