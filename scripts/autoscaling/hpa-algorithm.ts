/**
 * The HorizontalPodAutoscaler algorithm as the Kubernetes documentation specifies it
 * ("Algorithm details", "Configurable scaling behavior"), in the order the controller
 * (pkg/controller/podautoscaler) applies it: a replica count per metric, the largest
 * wins, then the stabilization windows, then the rate of the scaling policies, then
 * min/max.
 */

/** The controller's default tolerance: no scaling while a ratio is within 10 % of 1. */
export const TOLERANCE = 0.1;

export type MetricSpec =
  /** An External metric with an AverageValue target: the value is divided among the pods. */
  | { readonly kind: 'external'; readonly name: string; readonly targetAverageValue: number }
  /** A Pods metric with an AverageValue target: averaged over the pods that report it. */
  | { readonly kind: 'pods'; readonly name: string; readonly targetAverageValue: number }
  /** CPU with a Utilization target, in percent of the request. */
  | { readonly kind: 'cpu'; readonly targetUtilizationPercent: number };

export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly ScalingPolicy[];
}

export interface HpaSpec {
  readonly name: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: readonly MetricSpec[];
  readonly behavior: { readonly scaleUp: ScalingRules; readonly scaleDown: ScalingRules };
}

/** The API server's defaults for a `behavior` the HPA leaves out (autoscaling/v2). */
export const DEFAULT_BEHAVIOR: HpaSpec['behavior'] = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
};

/** A pod of the scale target as the metrics APIs see it. */
export interface PodReading {
  /** False while the pod is pending or starting: it is set aside (docs: "not-yet-ready pods"). */
  readonly ready: boolean;
  /** Value per Pods metric name and `cpu` (percent of the request); absent: the metric is missing for this pod. */
  readonly values: Readonly<Record<string, number | undefined>>;
}

export interface MetricsSnapshot {
  readonly pods: readonly PodReading[];
  /** Value per External metric name; undefined: the metrics API answered nothing (an error for the HPA). */
  readonly external: Readonly<Record<string, number | undefined>>;
}

/** Replica count one metric asks for; undefined when the metric cannot be read. */
export function replicasForMetric(metric: MetricSpec, currentReplicas: number, snapshot: MetricsSnapshot): number | undefined {
  if (metric.kind === 'external') {
    const value = snapshot.external[metric.name];
    if (value === undefined) return undefined;
    const usage = milli(value);
    const target = milli(metric.targetAverageValue);
    // The value is shared by every pod of the target, ready or not (status.replicas).
    const ratio = usage / (target * snapshot.pods.length);
    return Math.abs(1 - ratio) <= TOLERANCE ? currentReplicas : Math.ceil(usage / target);
  }
  // The controller averages in integers (milli-units; whole percent for utilization), truncating.
  if (metric.kind === 'cpu') return replicasForPerPodMetric(snapshot.pods, 'cpu', (v) => v, metric.targetUtilizationPercent, currentReplicas);
  return replicasForPerPodMetric(snapshot.pods, metric.name, milli, milli(metric.targetAverageValue), currentReplicas);
}

function milli(value: number): number {
  return Math.round(value * 1000);
}

function replicasForPerPodMetric(
  pods: readonly PodReading[],
  key: string,
  unit: (value: number) => number,
  target: number,
  currentReplicas: number,
): number | undefined {
  const ready = pods.filter((p) => p.ready && p.values[key] !== undefined).map((p) => unit(p.values[key] as number));
  const unready = pods.filter((p) => !p.ready).length;
  const missing = pods.filter((p) => p.ready && p.values[key] === undefined).length;
  if (ready.length === 0) return undefined;
  const ratio = Math.trunc(sum(ready) / ready.length) / target;
  const scaleUpWithUnready = unready > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing === 0) {
    return Math.abs(1 - ratio) <= TOLERANCE ? currentReplicas : Math.ceil(ratio * ready.length);
  }
  // Docs: missing pods count as 100 % of the target on a scale down and 0 % on a scale up;
  // not-yet-ready pods count as 0 % on a scale up, which damps it.
  const filled = [...ready, ...Array<number>(missing).fill(ratio < 1 ? target : 0), ...Array<number>(scaleUpWithUnready ? unready : 0).fill(0)];
  const newRatio = Math.trunc(sum(filled) / filled.length) / target;
  if (Math.abs(1 - newRatio) <= TOLERANCE || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return currentReplicas;
  const replicas = Math.ceil(newRatio * filled.length);
  // The filled-in values may not reverse the direction the measured ones point to.
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) return currentReplicas;
  return replicas;
}

/**
 * The largest count over the metrics. Docs: when a metric cannot be read and the others
 * suggest a scale down, scaling is skipped (undefined); a scale up still happens.
 */
export function replicasForMetrics(spec: HpaSpec, currentReplicas: number, snapshot: MetricsSnapshot): number | undefined {
  const counts = spec.metrics.map((m) => replicasForMetric(m, currentReplicas, snapshot));
  const valid = counts.filter((c): c is number => c !== undefined);
  if (valid.length === 0) return undefined;
  const replicas = Math.max(...valid);
  if (valid.length < counts.length && replicas < currentReplicas) return undefined;
  return replicas;
}

interface Recommendation {
  readonly at: number;
  readonly replicas: number;
}

interface ScaleEvent {
  readonly at: number;
  readonly change: number;
}

/** One HPA's controller state across syncs: past recommendations and scale events. */
export class HpaController {
  private recommendations: Recommendation[] = [];
  private scaleUps: ScaleEvent[] = [];
  private scaleDowns: ScaleEvent[] = [];

  constructor(readonly spec: HpaSpec) {}

  /** One sync at `now` (seconds): the replica count to set. */
  sync(now: number, currentReplicas: number, snapshot: MetricsSnapshot): number {
    const { minReplicas, maxReplicas } = this.spec;
    // Docs: a target scaled to zero turns the HPA off until something scales it up.
    if (currentReplicas === 0 && minReplicas !== 0) return 0;
    let desired: number;
    if (currentReplicas > maxReplicas) desired = maxReplicas;
    else if (currentReplicas < minReplicas) desired = minReplicas;
    else {
      const fromMetrics = replicasForMetrics(this.spec, currentReplicas, snapshot);
      if (fromMetrics === undefined) return currentReplicas;
      desired = this.rateLimited(now, currentReplicas, this.stabilized(now, currentReplicas, fromMetrics));
    }
    if (desired > currentReplicas) this.scaleUps.push({ at: now, change: desired - currentReplicas });
    if (desired < currentReplicas) this.scaleDowns.push({ at: now, change: currentReplicas - desired });
    return desired;
  }

  /** Docs: scale up to the lowest, and down to the highest, recommendation within each window. */
  private stabilized(now: number, currentReplicas: number, desired: number): number {
    const { scaleUp, scaleDown } = this.spec.behavior;
    const upCutoff = now - scaleUp.stabilizationWindowSeconds;
    const downCutoff = now - scaleDown.stabilizationWindowSeconds;
    let up = desired;
    let down = desired;
    for (const r of this.recommendations) {
      if (r.at > upCutoff) up = Math.min(up, r.replicas);
      if (r.at > downCutoff) down = Math.max(down, r.replicas);
    }
    const oldest = Math.min(upCutoff, downCutoff);
    this.recommendations = [...this.recommendations.filter((r) => r.at >= oldest), { at: now, replicas: desired }];
    return Math.min(Math.max(currentReplicas, up), down);
  }

  private rateLimited(now: number, currentReplicas: number, desired: number): number {
    const { minReplicas, maxReplicas, behavior } = this.spec;
    if (desired > currentReplicas) {
      const limit = Math.max(currentReplicas, scaleUpLimit(now, currentReplicas, this.scaleUps, behavior.scaleUp));
      return clamp(desired, minReplicas, Math.min(maxReplicas, limit));
    }
    if (desired < currentReplicas) {
      const limit = Math.min(currentReplicas, scaleDownLimit(now, currentReplicas, this.scaleDowns, behavior.scaleDown));
      return clamp(desired, Math.max(minReplicas, limit), maxReplicas);
    }
    return clamp(desired, minReplicas, maxReplicas);
  }
}

function changedInPeriod(now: number, events: readonly ScaleEvent[], periodSeconds: number): number {
  return sum(events.filter((e) => e.at > now - periodSeconds).map((e) => e.change));
}

/** Selecting Max on a scale up allows the largest count; the policies count from the period's start. */
function scaleUpLimit(now: number, current: number, events: readonly ScaleEvent[], rules: ScalingRules): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((p) => {
    const start = current - changedInPeriod(now, events, p.periodSeconds);
    return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
}

/** Selecting Max on a scale down allows the largest change, so the smallest count. */
function scaleDownLimit(now: number, current: number, events: readonly ScaleEvent[], rules: ScalingRules): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((p) => {
    const start = current + changedInPeriod(now, events, p.periodSeconds);
    return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.max(...proposals) : Math.min(...proposals);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
