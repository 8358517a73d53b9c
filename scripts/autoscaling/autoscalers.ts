import { DEFAULT_BEHAVIOR, HpaController, HpaSpec, MetricsSnapshot } from './hpa-algorithm';
import { FleetView } from './fleet';
import { AdapterSemantics } from './rendered-objects';

/** The HPA controller's sync period (--horizontal-pod-autoscaler-sync-period, 15 s by default). */
export const HPA_SYNC_SECONDS = 15;

/** Decides a role's replica count from what the metrics pipeline shows. */
export interface Autoscaler {
  /** The replica count to set at `now`; called every second. */
  decide(now: number, replicas: number, view: FleetView): number;
}

/** An HPA as rendered, its metrics served by prometheus-adapter as its rules say. */
export class RenderedHpa implements Autoscaler {
  private readonly controller: HpaController;

  constructor(readonly spec: HpaSpec, private readonly adapter: AdapterSemantics) {
    this.controller = new HpaController(spec);
  }

  decide(now: number, replicas: number, view: FleetView): number {
    if (now % HPA_SYNC_SECONDS !== 0) return replicas;
    return this.controller.sync(now, replicas, this.snapshot(view));
  }

  private snapshot(view: FleetView): MetricsSnapshot {
    const busyNames = [...this.adapter.busyRatio];
    const external: Record<string, number | undefined> = {};
    for (const name of this.adapter.backlog) {
      external[name] = this.adapter.withheldWhileCircuitOpen.has(name) && view.circuitHoldingWork ? undefined : view.backlog;
    }
    return {
      external,
      pods: view.pods.map((p) => ({
        ready: p.ready,
        values: { cpu: p.cpuPercent, ...Object.fromEntries(busyNames.map((n) => [n, p.busyRatio])) },
      })),
    };
  }
}

/** The same HPA scaling on CPU alone: what a generic Deployment would get. */
export function cpuOnly(spec: HpaSpec): HpaSpec {
  const metrics = spec.metrics.filter((m) => m.kind === 'cpu');
  if (metrics.length === 0) throw new Error(`HPA ${spec.name} has no CPU metric to keep`);
  return { ...spec, name: `${spec.name}-cpu-only`, metrics };
}

/** What a KEDA trigger reads: the group's lag (redis-streams lagCount), its pending entries (pendingEntriesCount), or tasks in flight (Prometheus). */
export type KedaSignal = 'lag' | 'pending' | 'inFlight';

export interface KedaTrigger {
  readonly signal: KedaSignal;
  /** AverageValue target of the HPA KEDA creates. */
  readonly target: number;
  /** Active while the value is above this (activationLagCount, activationThreshold; default 0). */
  readonly activation: number;
}

/** A KEDA ScaledObject's settings the simulation reads. */
export interface KedaSettings {
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  /** Operator loop: how often triggers are checked for activation (default 30 s). */
  readonly pollingIntervalSeconds: number;
  /** Inactive this long before scaling to zero (default 300 s). */
  readonly cooldownPeriodSeconds: number;
  readonly triggers: readonly KedaTrigger[];
  /** advanced.horizontalPodAutoscalerConfig.behavior, the HPA defaults filled in. */
  readonly behavior: HpaSpec['behavior'];
}

/**
 * KEDA's documented defaults with one redis-streams trigger on `lagCount` (which has no
 * default: 5 is the docs' example and pendingEntriesCount's default).
 */
export function kedaDefaults(maxReplicaCount: number): KedaSettings {
  return {
    minReplicaCount: 0,
    maxReplicaCount,
    pollingIntervalSeconds: 30,
    cooldownPeriodSeconds: 300,
    triggers: [{ signal: 'lag', target: 5, activation: 0 }],
    behavior: DEFAULT_BEHAVIOR,
  };
}

/**
 * KEDA: its operator scales between 0 and 1 on activation every polling interval; from one
 * replica up the HPA it creates scales on the triggers' External metrics, which the KEDA
 * metrics server reads live from Redis (lag, pending) or from Prometheus (in flight, as scraped).
 */
export class Keda implements Autoscaler {
  private readonly controller: HpaController;
  private lastActive = -Infinity;

  constructor(private readonly settings: KedaSettings) {
    this.controller = new HpaController({
      name: 'keda-hpa',
      minReplicas: Math.max(1, settings.minReplicaCount),
      maxReplicas: settings.maxReplicaCount,
      metrics: settings.triggers.map((t) => ({ kind: 'external', name: t.signal, targetAverageValue: t.target })),
      behavior: settings.behavior,
    });
  }

  decide(now: number, replicas: number, view: FleetView): number {
    const values: Record<KedaSignal, number> = { lag: view.lag, pending: view.pending, inFlight: view.inFlight };
    if (now % this.settings.pollingIntervalSeconds === 0) {
      const active = this.settings.triggers.some((t) => values[t.signal] > t.activation);
      if (active) this.lastActive = now;
      if (active && replicas === 0) return Math.max(1, this.settings.minReplicaCount);
      const cooled = now - this.lastActive >= this.settings.cooldownPeriodSeconds;
      if (!active && replicas > 0 && this.settings.minReplicaCount === 0 && cooled) return 0;
    }
    if (now % HPA_SYNC_SECONDS !== 0) return replicas;
    return this.controller.sync(now, replicas, { pods: view.pods.map((p) => ({ ready: p.ready, values: {} })), external: values });
  }
}
