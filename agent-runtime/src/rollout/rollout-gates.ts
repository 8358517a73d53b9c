import { AgentRole, LEGACY_TRACK, METRICS } from '../contract';
import { promqlRange } from './duration';

/** A PromQL query whose one value must stay under (or at most) a threshold. */
export interface Gate {
  readonly name: string;
  /** Answers one number; several series: the largest counts. */
  readonly query: string;
  readonly op: '<' | '<=';
  readonly threshold: number;
}

/** How a plan changes a gate: a default's threshold or window, or a gate of its own (with `query`). */
export interface GateOverride {
  readonly query?: string;
  readonly op?: '<' | '<=';
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
} as const;
export type DefaultGateName = keyof typeof DEFAULT_THRESHOLDS;

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
    gates.push({ name, query, op: override?.op ?? (name === 'pickup-latency-p99' ? '<' : '<='), threshold });
  }
  return gates;
}

/** The query that says whether the track's agents are ready (pre-validation): how many report ready. */
export function readyAgentsQuery(subject: GateSubject): string {
  return `sum(${METRICS.agentReady}${selector(subject, subject.to)})`;
}
