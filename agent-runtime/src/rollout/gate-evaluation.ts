import { Gate, GateOp } from './rollout-gates';
import { PrometheusApi } from './prometheus-api';

/** One gate's verdict, as stored in the rollout's state and printed. */
export interface GateResult {
  readonly name: string;
  /** The query's value; null when it answered nothing or failed. */
  readonly value: number | null;
  readonly op: GateOp;
  readonly threshold: number;
  readonly passed: boolean;
  /** Why it passed without a value (or was not judged yet), or why it failed without one. */
  readonly note?: string;
  /** Whether the gate could be judged at all (data, and an answer). */
  readonly judged: boolean;
  /** Prometheus could not be asked, or refused the query: the gate neither passed nor failed. */
  readonly unanswered?: boolean;
  /** At a step's end: no evidence yet (no task in the window, or fewer finished than asked): waiting may still bring it. */
  readonly awaitingTasks?: boolean;
}

/** When the gates are asked: at pre-validation and during a soak (`check`), or at a step's end. */
export interface GateMoment {
  readonly atStepEnd: boolean;
  /** The from-track's percent in effect: 0 leaves a gate that compares with it nothing to compare with. */
  readonly fromPercent: number;
  /** The from-track's name, for the reason a comparison is skipped. */
  readonly from: string;
}

/**
 * Asks Prometheus for each gate. A value over the threshold fails. NaN (no
 * task in the window) passes during a check, having nothing to judge yet, and
 * fails at a step's end, which must have seen work. No answer at all (the
 * track is not scraped, the query names nothing) does not pass; a failed query
 * is unanswered, neither passed nor failed.
 */
export async function evaluateGates(prometheus: PrometheusApi, gates: readonly Gate[], moment: GateMoment): Promise<GateResult[]> {
  return Promise.all(gates.map((gate) => evaluateGate(prometheus, gate, moment)));
}

const PASSES: Readonly<Record<GateOp, (value: number, threshold: number) => boolean>> = {
  '<': (value, threshold) => value < threshold,
  '<=': (value, threshold) => value <= threshold,
  '>=': (value, threshold) => value >= threshold,
};
const NEGATION: Readonly<Record<GateOp, string>> = { '<': '>=', '<=': '>', '>=': '<' };

async function evaluateGate(prometheus: PrometheusApi, gate: Gate, moment: GateMoment): Promise<GateResult> {
  const base = { name: gate.name, op: gate.op, threshold: gate.threshold };
  let values: number[];
  try {
    values = (await prometheus.query(gate.query)).map((sample) => sample.value);
  } catch (error) {
    return { ...base, value: null, passed: false, judged: false, unanswered: true, note: (error as Error).message };
  }
  if (values.length === 0) return { ...base, value: null, passed: false, judged: false, note: 'no data: the query answered no series' };
  const judged = values.filter((v) => !Number.isNaN(v));
  if (judged.length === 0) {
    if (!moment.atStepEnd) return { ...base, value: null, passed: true, judged: true, note: 'no tasks in the window: nothing to judge yet' };
    if (gate.comparesFrom && moment.fromPercent === 0) return { ...base, value: null, passed: true, judged: true, note: `skipped: ${moment.from} has 0 %, nothing to compare with` };
    return { ...base, value: null, passed: false, judged: true, awaitingTasks: true, note: 'no tasks in the window at the step’s end: nothing shows the track works' };
  }
  // The worst of several series: the largest against an upper bound, the smallest against a lower one.
  const value = gate.op === '>=' ? Math.min(...judged) : Math.max(...judged);
  const passed = PASSES[gate.op](value, gate.threshold);
  if (gate.atStepEnd && !moment.atStepEnd) return { ...base, value, passed: true, judged: true, note: 'judged at the step’s end' };
  return { ...base, value, passed, judged: true, ...(!passed && gate.atStepEnd ? { awaitingTasks: true } : {}) };
}

/** `failure-ratio 0.48 > 0.02` / `pickup-latency-p99 0.012 < 0.5` / `tasks-finished 0 (judged at the step's end)` / `alerts-firing: no data: ...`. */
export function describeGate(result: GateResult): string {
  if (result.value === null) return `${result.name}: ${result.note}`;
  const shown = Number.isInteger(result.value) ? String(result.value) : result.value.toPrecision(3);
  if (result.note) return `${result.name} ${shown} (${result.note})`;
  return `${result.name} ${shown} ${result.passed ? result.op : NEGATION[result.op]} ${result.threshold}`;
}
