import { ScalableRole } from '../../agent-runtime/src/contract';
import { percentile, round } from '../bench/percentiles';
import { Autoscaler, cpuOnly, Keda, kedaDefaults, KedaSettings, RenderedHpa } from './autoscalers';
import { HpaSpec } from './hpa-algorithm';
import { Fleet, FleetParams, newTask } from './fleet';
import { lognormal, Prng } from './prng';
import { RenderedEnvironment, RenderedRole } from './rendered-objects';
import { Scenario } from './scenarios';

/** Knobs of the fleet model that the rendered objects do not fix. */
export interface ModelParams {
  readonly seed: number;
  /** Pod creation to process start (scheduling, image pull), seconds. */
  readonly startDelaySeconds: number;
  /** Process start to ready, seconds: README's measured 0.2-0.28 s. */
  readonly spawnSeconds: number;
  readonly taskMedianSeconds: number;
  readonly taskP95Seconds: number;
  readonly turnSeconds: number;
  readonly cpuIdlePercent: number;
  readonly cpuPerBusySlotPercent: number;
}

export const DEFAULT_MODEL: ModelParams = {
  seed: 1,
  startDelaySeconds: 30,
  spawnSeconds: 0.25,
  taskMedianSeconds: 90,
  taskP95Seconds: 600,
  turnSeconds: 20,
  cpuIdlePercent: 5,
  cpuPerBusySlotPercent: 15,
};

/** One way of scaling a role, built from its rendered objects. */
export interface Engine {
  readonly name: string;
  readonly deletion: FleetParams['deletion'];
  readonly build: (role: RenderedRole, env: RenderedEnvironment) => { autoscaler: Autoscaler; initialReplicas: number };
}

function hpaOf(role: RenderedRole): HpaSpec {
  if (!role.hpa) throw new Error(`agent-${role.role}: no HorizontalPodAutoscaler rendered`);
  return role.hpa;
}

function scaledObjectOf(role: RenderedRole): KedaSettings {
  if (!role.scaledObject) throw new Error(`agent-${role.role}: no ScaledObject rendered`);
  return role.scaledObject;
}

const hpa = (spec: HpaSpec, env: RenderedEnvironment) => ({ autoscaler: new RenderedHpa(spec, env.adapter), initialReplicas: spec.minReplicas });
const keda = (settings: KedaSettings) => ({ autoscaler: new Keda(settings), initialReplicas: settings.minReplicaCount });

/** Engines on the HPAs of charts-out/<env>/. */
export const HPA_ENGINES: readonly Engine[] = [
  { name: 'hpa', deletion: 'newest', build: (r, env) => hpa(hpaOf(r), env) },
  { name: 'hpa+deletion-cost', deletion: 'idle-first', build: (r, env) => hpa(hpaOf(r), env) },
  { name: 'cpu-only', deletion: 'newest', build: (r, env) => hpa(cpuOnly(hpaOf(r)), env) },
  { name: 'keda-lag-defaults', deletion: 'newest', build: (r) => keda(kedaDefaults(hpaOf(r).maxReplicas)) },
];

/** Engines on the ScaledObjects of the environment rendered with `autoscaling.engine: keda`. */
export const KEDA_ENGINES: readonly Engine[] = [{ name: 'keda', deletion: 'newest', build: (r) => keda(scaledObjectOf(r)) }];

/** A point of the plotted series, one a minute. */
export interface SeriesPoint {
  readonly minute: number;
  readonly role: ScalableRole;
  readonly replicas: number;
  readonly backlog: number;
}

export interface Result {
  readonly scenario: string;
  readonly engine: string;
  readonly tasks: number;
  /** Last arrival to the last task finished, seconds; null if work was left at the end. */
  readonly drainSeconds: number | null;
  readonly p95QueueWaitSeconds: number;
  /** Tasks that arrived while their role had no pod at all (scaled to zero), and their longest wait. */
  readonly coldArrivals: number;
  readonly maxColdWaitSeconds: number;
  readonly agentMinutes: number;
  readonly scaleEvents: number;
  readonly interrupted: number;
  readonly turnsLostWithCheckpoints: number;
  readonly turnsLostWithoutCheckpoints: number;
  readonly series: readonly SeriesPoint[];
}

/** How long after the trace work may still drain before the run stops. */
const TAIL_SECONDS = 6 * 3600;
/** The breaker's first open period and longest (HIVE_LLM_BREAKER_OPEN_MS, _MAX_OPEN_MS defaults). */
const BREAKER_OPEN_SECONDS = 5;
const BREAKER_MAX_OPEN_SECONDS = 300;

/** Runs one scenario with one engine over every role the scenario loads. */
export function simulate(env: RenderedEnvironment, scenario: Scenario, engine: Engine, model: ModelParams = DEFAULT_MODEL): Result {
  const rng = new Prng(model.seed);
  const arrivals = scenario.arrivals(rng);
  const duration = lognormal(model.taskMedianSeconds, model.taskP95Seconds);
  const breakerCloses = scenario.outage ? breakerClosesAt(scenario.outage.start, scenario.outage.end) : 0;
  const series: SeriesPoint[] = [];
  const totals = { tasks: 0, waits: [] as number[], coldWaits: [] as number[], lastArrival: 0, lastFinish: 0, leftOver: false };
  const fleets: Fleet[] = [];

  for (const role of env.roles.filter((r) => arrivals[r.role])) {
    const times = arrivals[role.role] ?? [];
    const tasks = times.map((t, i) => newTask(i, Math.floor(t), duration, rng));
    const { autoscaler, initialReplicas } = engine.build(role, env);
    const fleet = new Fleet(
      {
        concurrency: role.concurrency,
        drainSeconds: env.drainSeconds,
        scrapeSeconds: env.scrapeSeconds,
        startDelaySeconds: model.startDelaySeconds,
        spawnSeconds: model.spawnSeconds,
        turnSeconds: model.turnSeconds,
        cpuIdlePercent: model.cpuIdlePercent,
        cpuPerBusySlotPercent: model.cpuPerBusySlotPercent,
        deletion: engine.deletion,
      },
      initialReplicas,
    );
    let next = 0;
    const cold: typeof tasks = [];
    const end = scenario.durationSeconds + TAIL_SECONDS;
    for (let now = 0; now < end; now++) {
      while (next < tasks.length && tasks[next].arrival <= now) {
        if (fleet.runningPods === 0) cold.push(tasks[next]);
        fleet.enqueue(tasks[next++]);
      }
      const apiUp = !scenario.outage || now < scenario.outage.start || now >= scenario.outage.end;
      const breakerClosed = !scenario.outage || now < scenario.outage.start || now >= breakerCloses;
      fleet.step(now, apiUp, breakerClosed);
      fleet.scale(now, autoscaler.decide(now, fleet.specReplicas, fleet.view(now)));
      if (now % 60 === 0) series.push({ minute: now / 60, role: role.role, replicas: fleet.specReplicas, backlog: fleet.backlog });
      if (now >= scenario.durationSeconds && next === tasks.length && fleet.backlog === 0 && now % 60 === 0) break;
    }
    totals.tasks += tasks.length;
    totals.leftOver ||= fleet.finished.length < tasks.length;
    totals.lastArrival = Math.max(totals.lastArrival, ...tasks.map((t) => t.arrival));
    totals.lastFinish = Math.max(totals.lastFinish, ...fleet.finished.map((t) => t.finished ?? 0));
    const wait = (t: (typeof tasks)[number]) => (t.firstStart ?? end) - t.arrival;
    totals.waits.push(...tasks.map(wait));
    totals.coldWaits.push(...cold.map(wait));
    fleets.push(fleet);
  }

  const sum = (f: (fleet: Fleet) => number) => fleets.reduce((n, fleet) => n + f(fleet), 0);
  return {
    scenario: scenario.name,
    engine: engine.name,
    tasks: totals.tasks,
    drainSeconds: totals.leftOver ? null : totals.lastFinish - totals.lastArrival,
    p95QueueWaitSeconds: totals.waits.length ? percentile(totals.waits, 95) : 0,
    coldArrivals: totals.coldWaits.length,
    maxColdWaitSeconds: Math.max(0, ...totals.coldWaits),
    agentMinutes: Math.round(sum((f) => f.totals.agentSeconds) / 60),
    scaleEvents: sum((f) => f.totals.scaleEvents),
    interrupted: sum((f) => f.totals.interrupted),
    turnsLostWithCheckpoints: round(sum((f) => f.totals.turnsLostWithCheckpoints)),
    turnsLostWithoutCheckpoints: round(sum((f) => f.totals.turnsLostWithoutCheckpoints)),
    series,
  };
}

/**
 * The breaker opens as the outage starts and probes after 5 s, then after twice the
 * previous open period up to 5 min; the first probe after the outage closes it.
 */
export function breakerClosesAt(outageStart: number, outageEnd: number): number {
  let probe = outageStart;
  let open = BREAKER_OPEN_SECONDS;
  for (;;) {
    probe += open;
    if (probe >= outageEnd) return probe;
    open = Math.min(open * 2, BREAKER_MAX_OPEN_SECONDS);
  }
}

