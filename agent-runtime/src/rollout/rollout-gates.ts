import { AgentRole, LEGACY_TRACK, METRICS } from '../contract';
import { promqlRange } from './duration';

export type GateOp = '<' | '<=' | '>=';
export const GATE_OPS: readonly GateOp[] = ['<', '<=', '>='];

/** A PromQL query whose one value must stay under (or at most, or at least) a threshold. */
export interface Gate {
  readonly name: string;
  /** Answers one number; several series: the largest counts (the smallest for `>=`). */
  readonly query: string;
  readonly op: GateOp;
  readonly threshold: number;
  /**
   * Evidence that the step saw work (tasks-finished): judged at a step's end only. Before the
   * first step and during a soak the new track may not have finished anything yet, so there it
   * only has to answer.
   */
  readonly atStepEnd?: boolean;
  /**
   * Divides by the from-track's work (tokens-per-task): while the from-track has 0 % (the last
   * step) it has nothing to compare with, and NaN there is skipped with that reason instead of failing.
   */
  readonly comparesFrom?: boolean;
}

/** How a plan changes a gate: a default's threshold or window, or a gate of its own (with `query`). */
export interface GateOverride {
  readonly query?: string;
  readonly op?: GateOp;
  readonly threshold?: number;
  /** The range of the gate's rates, e.g. `2m` (milliseconds once parsed). */
  readonly windowMs?: number;
}

/** What the gates compare: the role's new track against the one it replaces. */
export interface GateSubject {
  readonly role: AgentRole;
  readonly from: string;
  readonly to: string;
}

export const DEFAULT_THRESHOLDS = {
  /** The new track's failure ratio may exceed the old one's by this much. */
  'failure-ratio': 0.02,
  /** Seconds: the orchestration's own pick-up latency, as the SLA alert has it. */
  'pickup-latency-p99': 0.5,
  /** Hive alerts firing for the new track. */
  'alerts-firing': 0,
  /** The new track's tokens per task, as a multiple of the old one's. */
  'tokens-per-task': 1.5,
  /** Tasks the new track finished in the window, at least: a step that finished nothing proves nothing. */
  'tasks-finished': 1,
} as const;
export type DefaultGateName = keyof typeof DEFAULT_THRESHOLDS;

/** The defaults' ops where not `<=`. */
const DEFAULT_OPS: Partial<Record<DefaultGateName, GateOp>> = { 'pickup-latency-p99': '<', 'tasks-finished': '>=' };

const selector = (subject: GateSubject, track: string, extra = '') => `{role="${subject.role}",track="${track}"${extra}}`;

function failureRatio(subject: GateSubject, track: string, window: string): string {
  const tasks = (extra: string) => `sum(increase(${METRICS.tasksTotal}${selector(subject, track, extra)}[${window}]))`;
  return `${tasks(',outcome=~"failed|dead_lettered"')} / ${tasks('')}`;
}

function tokensPerTask(subject: GateSubject, track: string, window: string): string {
  return `sum(increase(${METRICS.llmTokensTotal}${selector(subject, track)}[${window}])) / sum(increase(${METRICS.tasksTotal}${selector(subject, track)}[${window}]))`;
}

/**
 * The default gates' queries. A track without tasks in the window gives NaN
 * (0/0), which means "nothing to judge yet". The old system (legacy) exports
 * nothing: its failure ratio counts as 0 and tokens are not compared.
 */
function defaultQuery(name: DefaultGateName, subject: GateSubject, window: string): string | undefined {
  const fromLegacy = subject.from === LEGACY_TRACK;
  switch (name) {
    case 'failure-ratio':
      // A baseline without tasks (every task on the new track) counts as 0, so a failing new track is still caught at 100 %.
      return fromLegacy ? failureRatio(subject, subject.to, window) : `(${failureRatio(subject, subject.to, window)}) - ((${failureRatio(subject, subject.from, window)} >= 0) or vector(0))`;
    case 'pickup-latency-p99':
      return `histogram_quantile(0.99, sum by (le) (rate(${METRICS.pickupLatencySeconds}_bucket${selector(subject, subject.to)}[${window}])))`;
    case 'alerts-firing':
      return `count(ALERTS${selector(subject, subject.to, ',alertstate="firing"')}) or vector(0)`;
    case 'tokens-per-task':
      return fromLegacy ? undefined : `(${tokensPerTask(subject, subject.to, window)}) / (${tokensPerTask(subject, subject.from, window)})`;
    case 'tasks-finished':
      return `sum(increase(${METRICS.tasksTotal}${selector(subject, subject.to)}[${window}]))`;
  }
}

/** `$role`, `$from`, `$to` and `$window` in a plan's own query. */
function expand(query: string, subject: GateSubject, window: string): string {
  return query.replace(/\$(role|from|to|window)\b/g, (_, name: string) => (name === 'window' ? window : subject[name as keyof GateSubject]));
}

/** The default gates with the plan's overrides applied, then the plan's own gates; `null` drops a default. */
export function resolveGates(subject: GateSubject, windowMs: number, overrides: Readonly<Record<string, GateOverride | null>>): Gate[] {
  const gates: Gate[] = [];
  const names = [...new Set([...Object.keys(DEFAULT_THRESHOLDS), ...Object.keys(overrides)])];
  for (const name of names) {
    const override = overrides[name];
    if (override === null) continue;
    const window = promqlRange(override?.windowMs ?? windowMs);
    const isDefault = name in DEFAULT_THRESHOLDS;
    const query = override?.query !== undefined ? expand(override.query, subject, window) : isDefault ? defaultQuery(name as DefaultGateName, subject, window) : undefined;
    if (query === undefined) continue;
    const threshold = override?.threshold ?? (isDefault ? DEFAULT_THRESHOLDS[name as DefaultGateName] : Number.NaN);
    gates.push({
      name,
      query,
      op: override?.op ?? DEFAULT_OPS[name as DefaultGateName] ?? '<=',
      threshold,
      ...(name === 'tasks-finished' ? { atStepEnd: true } : {}),
      ...(name === 'tokens-per-task' && override?.query === undefined ? { comparesFrom: true } : {}),
    });
  }
  return gates;
}

/** The query that says whether the track's agents are ready (pre-validation): how many report ready. */
export function readyAgentsQuery(subject: GateSubject): string {
  return `sum(${METRICS.agentReady}${selector(subject, subject.to)})`;
}
