import { Gate } from './rollout-gates';
import { PrometheusApi } from './prometheus-api';

/** One gate's verdict, as stored in the rollout's state and printed. */
export interface GateResult {
  readonly name: string;
  /** The query's value; null when it answered nothing or failed. */
  readonly value: number | null;
  readonly op: Gate['op'];
  readonly threshold: number;
  readonly passed: boolean;
  /** Why it passed without a value, or why it failed without one. */
  readonly note?: string;
  /** Whether the gate could be judged at all (data, and an answer). */
  readonly judged: boolean;
}

/**
 * Asks Prometheus for each gate. A value over the threshold fails; NaN (no
 * task in the window) passes, having nothing to judge; no answer at all (the
 * track is not scraped, the query names nothing) or a failed query does not pass.
 */
export async function evaluateGates(prometheus: PrometheusApi, gates: readonly Gate[]): Promise<GateResult[]> {
  return Promise.all(gates.map((gate) => evaluateGate(prometheus, gate)));
}

async function evaluateGate(prometheus: PrometheusApi, gate: Gate): Promise<GateResult> {
  const base = { name: gate.name, op: gate.op, threshold: gate.threshold };
  let values: number[];
  try {
    values = (await prometheus.query(gate.query)).map((sample) => sample.value);
  } catch (error) {
    return { ...base, value: null, passed: false, judged: false, note: (error as Error).message };
  }
  if (values.length === 0) return { ...base, value: null, passed: false, judged: false, note: 'no data: the query answered no series' };
  const judged = values.filter((v) => !Number.isNaN(v));
  if (judged.length === 0) return { ...base, value: null, passed: true, judged: true, note: 'no tasks in the window: nothing to judge' };
  const value = Math.max(...judged);
  return { ...base, value, passed: gate.op === '<' ? value < gate.threshold : value <= gate.threshold, judged: true };
}

/** `failure-ratio 0.48 > 0.02` / `pickup-latency-p99 0.012 < 0.5` / `alerts-firing: no data: ...`. */
export function describeGate(result: GateResult): string {
  if (result.value === null) return `${result.name}: ${result.note}`;
  const shown = Number.isInteger(result.value) ? String(result.value) : result.value.toPrecision(3);
  const relation = result.passed ? result.op : result.op === '<' ? '>=' : '>';
  return `${result.name} ${shown} ${relation} ${result.threshold}`;
}
