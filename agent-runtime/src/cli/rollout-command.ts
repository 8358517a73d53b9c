import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AgentRole, BRIDGE_ENV, LEGACY_TRACK, ROLLOUT_ENV, STABLE_TRACK } from '../contract';
import { formatWeights, parseWeights, TrackWeights } from '../routing/track-weights';
import { formatDuration } from '../rollout/duration';
import { describeGate, GateResult } from '../rollout/gate-evaluation';
import { PrometheusApi, PrometheusError } from '../rollout/prometheus-api';
import { preValidate } from '../rollout/pre-validation';
import { RolloutLock } from '../rollout/rollout-lock';
import { checkPrometheusUrl, PlanInput, resolvePlan, RolloutPlan, weightsAt } from '../rollout/rollout-plan';
import { RolloutRun, RolloutStoppedError } from '../rollout/rollout-run';
import { RolloutState, RolloutStore } from '../rollout/rollout-store';
import { CliIo, printJson } from './cli-io';
import { CliError, EXIT, usageError } from './exit-codes';
import { connectFleetRedis, FleetRedis } from './fleet-redis';

export interface RolloutStartOptions {
  /** A JSON plan file; the flags win over it. */
  readonly planFile?: string;
  readonly flags: PlanInput;
  /** Print the plan and evaluate every gate; change nothing. */
  readonly dryRun: boolean;
}

/** `hive rollout start`: pre-validates, then walks the steps; exit 0 at 100 %, else the reason on the last line. */
export async function rolloutStartCommand(options: RolloutStartOptions, io: CliIo): Promise<number> {
  const plan = resolvePlan(readPlanFile(options.planFile, io), { ...options.flags, prometheus: options.flags.prometheus ?? (io.env[ROLLOUT_ENV.prometheusUrl] || undefined) });
  return withFleet(io, plan.role, async (fleet, store) => {
    printPlan(io, plan, await legacyBacklog(fleet, plan, io));
    const prometheus = new PrometheusApi(plan.prometheusUrl);
    if (options.dryRun) {
      // Reads only: no lock, no state, no weights.
      const { problems } = await startChecks(io, store, prometheus, plan);
      if (problems.length > 0) throw new CliError(`dry run: the rollout would be refused: ${problems.join('; ')}`, EXIT.refused);
      io.stdout.write(`dry run: pre-validation passed; nothing was changed\n`);
      return EXIT.ok;
    }
    const lock = new RolloutLock(fleet.redis, fleet.keys.rolloutLock(plan.role), plan.lockTtlMs);
    if (!(await lock.acquire())) throw await lockHeld(lock, plan.role);
    let state: RolloutState;
    try {
      const { problems, gates } = await startChecks(io, store, prometheus, plan);
      if (problems.length > 0) throw new CliError(`refused: ${problems.join('; ')}`, EXIT.refused);
      const startedAt = new Date().toISOString();
      state = { plan, status: 'running', step: 0, startedAt, updatedAt: startedAt, gates, reason: 'pre-validation passed' };
      await store.apply({ owner: lock.owner, expect: 'idle', state: { ...state, stepStartedAt: '', finishedAt: '' } });
    } catch (error) {
      await lock.release();
      throw error;
    }
    decision(io, plan.role, `started: ${plan.from} -> ${plan.to}, pre-validation passed (${gateSummary(state.gates)})`);
    return runToEnd(io, plan, state, { store, lock, prometheus });
  });
}

export interface RolloutRoleOptions {
  readonly role: AgentRole;
  /** resume: another Prometheus than the plan's. */
  readonly prometheus?: string;
}

/** `hive rollout resume`: continues an interrupted rollout where its state says, once its lock is free. */
export async function rolloutResumeCommand(options: RolloutRoleOptions, io: CliIo): Promise<number> {
  if (options.prometheus !== undefined) checkPrometheusUrl(options.prometheus);
  return withFleet(io, options.role, async (fleet, store) => {
    const state = await store.read();
    if (!state) throw new CliError(`no rollout of ${options.role} to resume`, EXIT.refused);
    if (state.status !== 'running') throw new CliError(`the rollout of ${options.role} has ended (${state.status}): ${state.reason ?? ''}`, EXIT.refused);
    const plan = options.prometheus ? { ...state.plan, prometheusUrl: options.prometheus } : state.plan;
    const lock = new RolloutLock(fleet.redis, fleet.keys.rolloutLock(options.role), plan.lockTtlMs);
    if (!(await acquireAfterExpiry(lock))) throw await lockHeld(lock, options.role);
    decision(io, options.role, `resuming: ${plan.from} -> ${plan.to} at step ${state.step}/${plan.steps.length}`);
    return runToEnd(io, plan, state, { store, lock, prometheus: new PrometheusApi(plan.prometheusUrl) });
  });
}

/** `hive rollout rollback`: the new track to 0 % at once, whatever runs; tasks already enqueued finish where they are. */
export async function rolloutRollbackCommand(options: RolloutRoleOptions, io: CliIo): Promise<number> {
  return withFleet(io, options.role, async (_, store) => {
    const state = await store.read();
    if (!state) throw new CliError(`no rollout of ${options.role} to roll back`, EXIT.refused);
    const { plan } = state;
    const reason = `rolled back by hand (hive rollout rollback) at step ${state.step}/${plan.steps.length}`;
    await store.apply({ expect: 'exists', weights: weightsAt(plan, 0), state: { status: 'rolled_back', step: 0, finishedAt: new Date().toISOString(), reason } });
    decision(io, options.role, `${reason}: ${plan.to} 0 %, ${plan.from} 100 %`);
    io.stdout.write(`rolled back: ${plan.from} has 100 % of ${options.role}'s new tasks, ${plan.to} 0 %\n`);
    return EXIT.ok;
  });
}

export interface RolloutStatusOptions {
  readonly role: AgentRole;
  readonly json: boolean;
}

/** `hive rollout status`: the weights in effect, the latest rollout and who holds the lock. */
export async function rolloutStatusCommand(options: RolloutStatusOptions, io: CliIo): Promise<number> {
  return withFleet(io, options.role, async (fleet, store) => {
    const [state, stored, holder] = await Promise.all([store.read(), store.weights(), new RolloutLock(fleet.redis, fleet.keys.rolloutLock(options.role), 1).holder()]);
    // Invalid weights are shown as stored, with the reason: status is how one finds out what to fix.
    let weights: TrackWeights = [];
    let invalid: string | undefined;
    try {
      weights = Object.keys(stored).length > 0 ? parseWeights(stored) : [];
    } catch (error) {
      invalid = (error as Error).message;
    }
    if (options.json) {
      printJson(io, {
        role: options.role,
        weights: invalid ? stored : Object.fromEntries(weights.map(({ track, percent }) => [track, percent])),
        ...(invalid ? { weightsInvalid: invalid } : {}),
        status: state?.status ?? 'none',
        step: state?.status === 'running' ? state.step : 0,
        rollout: state ?? null,
        lock: holder ?? null,
      });
      return EXIT.ok;
    }
    if (invalid) io.stdout.write(`weights: invalid, the routers keep their last good ones: ${invalid} (stored: ${Object.entries(stored).map(([track, percent]) => `${track}=${percent}`).join(' ')})\n`);
    else io.stdout.write(`weights: ${weights.length > 0 ? formatWeights(weights) : 'none (the gateway sends everything to stable; a bridge with an old system, to legacy)'}\n`);
    if (!state) {
      io.stdout.write(`rollout: none\n`);
      return EXIT.ok;
    }
    const { plan } = state;
    io.stdout.write(`rollout: ${state.status}, step ${state.step}/${plan.steps.length} (${plan.from} -> ${plan.to}, steps ${plan.steps.join(',')}, soak ${formatDuration(plan.soakMs)}), started ${state.startedAt}\n`);
    if (state.gates.length > 0) io.stdout.write(`gates (${state.updatedAt}): ${state.gates.map(describeGate).join('; ')}\n`);
    if (state.reason) io.stdout.write(`reason: ${state.reason}\n`);
    io.stdout.write(holder ? `lock: held by ${holder.owner}, expires in ${formatDuration(holder.expiresInMs)} unless renewed\n` : 'lock: free\n');
    return EXIT.ok;
  });
}

async function runToEnd(io: CliIo, plan: RolloutPlan, state: RolloutState, deps: { store: RolloutStore; lock: RolloutLock; prometheus: PrometheusApi }): Promise<number> {
  try {
    await new RolloutRun(plan, { ...deps, decide: (line) => decision(io, plan.role, line) }).run(state);
  } catch (error) {
    if (error instanceof RolloutStoppedError) throw new CliError(error.message, error.kind === 'rolled_back' ? EXIT.rolledBack : EXIT.unavailable);
    throw error;
  }
  io.stdout.write(`rollout complete: ${plan.to} has 100 % of ${plan.role}'s new tasks\n`);
  return EXIT.ok;
}

/** What stops the plan from starting now: Redis's state and weights, then pre-validation (whose verdicts it prints). */
async function startChecks(io: CliIo, store: RolloutStore, prometheus: PrometheusApi, plan: RolloutPlan): Promise<{ problems: string[]; gates: readonly GateResult[] }> {
  const refusal = startRefusal(await store.read(), await store.weights(), plan);
  const validation = await preValidate(prometheus, plan);
  io.stderr.write(`pre-validation: ${validation.readyAgents} ready agent(s) on the new track\n`);
  for (const gate of validation.gates) io.stderr.write(`  ${gate.passed && gate.judged ? 'pass' : 'FAIL'} ${describeGate(gate)}\n`);
  return { problems: [...(refusal ? [refusal] : []), ...validation.problems.map((problem) => `pre-validation: ${problem}`)], gates: validation.gates };
}

/** Why a rollout cannot start from what Redis holds now, or undefined. */
function startRefusal(state: RolloutState | undefined, stored: Record<string, string>, plan: RolloutPlan): string | undefined {
  if (state?.status === 'running') {
    return `a rollout of ${plan.role} (${state.plan.from} -> ${state.plan.to}) was interrupted at step ${state.step}: \`hive rollout resume --role ${plan.role}\` continues it, \`hive rollout rollback --role ${plan.role}\` ends it`;
  }
  // No weights: the gateway sends everything to stable, and a bridge with an old system everything to legacy.
  if (Object.keys(stored).length === 0) {
    if (plan.from === STABLE_TRACK || plan.from === LEGACY_TRACK) return undefined;
    return `a rollout starts with every new task of ${plan.role} on ${plan.from}, but the role has no weights: everything goes to ${STABLE_TRACK} (to ${LEGACY_TRACK} through a bridge)`;
  }
  const weights = currentWeights(stored);
  const fromPercent = weights.find(({ track }) => track === plan.from)?.percent ?? 0;
  if (fromPercent !== 100) return `a rollout starts with every new task of ${plan.role} on ${plan.from}, but the weights are ${formatWeights(weights)}`;
  return undefined;
}

function currentWeights(stored: Record<string, string>): TrackWeights {
  try {
    return parseWeights(stored);
  } catch (error) {
    throw new CliError(`the stored weights are invalid (the routers keep their last good ones): ${(error as Error).message}`, EXIT.refused);
  }
}

/** The old system's backlog, for a plan that moves work from it; such a plan needs HIVE_LEGACY_LIST. */
async function legacyBacklog(fleet: FleetRedis, plan: RolloutPlan, io: CliIo): Promise<number | undefined> {
  if (plan.from !== LEGACY_TRACK) return undefined;
  const list = io.env[BRIDGE_ENV.legacyList];
  if (!list) throw usageError(`a rollout from the \`${LEGACY_TRACK}\` track needs \`${BRIDGE_ENV.legacyList}\`: the old workers' list, as the bridge has it`);
  return fleet.redis.llen(list);
}

/** Waits for a lock whose holder stopped renewing it (a killed rollout) to expire; false if a live holder renews it. */
async function acquireAfterExpiry(lock: RolloutLock): Promise<boolean> {
  if (await lock.acquire()) return true;
  const holder = await lock.holder();
  const deadline = Date.now() + (holder?.expiresInMs ?? 0) + 500;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    if (await lock.acquire()) return true;
  }
  return false;
}

async function lockHeld(lock: RolloutLock, role: AgentRole): Promise<CliError> {
  const holder = await lock.holder();
  return new CliError(`a rollout of ${role} is running (lock held by ${holder?.owner ?? 'another process'}); \`hive rollout status --role ${role}\` shows it`, EXIT.tryLater);
}

async function withFleet(io: CliIo, role: AgentRole, work: (fleet: FleetRedis, store: RolloutStore) => Promise<number>): Promise<number> {
  const fleet = await connectFleetRedis(io.env);
  try {
    return await work(fleet, new RolloutStore(fleet.redis, fleet.keys, role));
  } catch (error) {
    if (error instanceof PrometheusError) throw new CliError(error.message, EXIT.unavailable);
    throw error;
  } finally {
    await fleet.close();
  }
}

function readPlanFile(path: string | undefined, io: CliIo): unknown {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    throw usageError(`cannot read the plan file: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usageError(`the plan file ${path} is not JSON: ${(error as Error).message}`);
  }
}

function printPlan(io: CliIo, plan: RolloutPlan, legacyBacklog: number | undefined): void {
  const lines = [
    `plan: ${plan.role}: ${plan.from} -> ${plan.to}, steps ${plan.steps.map((p) => `${p} %`).join(', ')}`,
    `  soak ${formatDuration(plan.soakMs)} per step, gates every ${formatDuration(plan.checkEveryMs)}, window ${formatDuration(plan.windowMs)}, lock ${formatDuration(plan.lockTtlMs)}, Prometheus ${plan.prometheusUrl}`,
    ...plan.gates.map((gate) => `  gate ${gate.name}: ${gate.query} ${gate.op} ${gate.threshold}`),
    ...(legacyBacklog === undefined ? [] : [`  the old system's list holds ${legacyBacklog} tasks`]),
  ];
  io.stderr.write(`${lines.join('\n')}\n`);
}

function gateSummary(gates: readonly GateResult[]): string {
  return gates.map(describeGate).join('; ');
}

/** One line per decision, on stderr (stdout keeps the result): time, role, what was decided. */
function decision(io: CliIo, role: AgentRole, line: string): void {
  io.stderr.write(`${new Date().toISOString()} rollout ${role}: ${line}\n`);
}
