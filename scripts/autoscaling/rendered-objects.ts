import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { METRICS, SCALABLE_ROLES, ScalableRole } from '../../agent-runtime/src/contract';
import { KedaSettings, KedaTrigger } from './autoscalers';
import { DEFAULT_BEHAVIOR, HpaSpec, MetricSpec, ScalingRules } from './hpa-algorithm';

/** What a role's metric names mean, read from the prometheus-adapter rules. */
export interface AdapterSemantics {
  /** Pods metric names that serve busy slots (in flight / capacity). */
  readonly busyRatio: ReadonlySet<string>;
  /** External metric names that serve the backlog (group lag plus pending). */
  readonly backlog: ReadonlySet<string>;
  /** External metric names the adapter withholds while the role's LLM circuit is not closed. */
  readonly withheldWhileCircuitOpen: ReadonlySet<string>;
}

/** One scalable role as rendered into charts-out/<env>/. */
export interface RenderedRole {
  readonly role: ScalableRole;
  /** Its HPA, or (engine keda) its ScaledObject. */
  readonly hpa?: HpaSpec;
  readonly scaledObject?: KedaSettings;
  /** Task slots per agent (HIVE_CONCURRENCY). */
  readonly concurrency: number;
}

export interface RenderedEnvironment {
  readonly env: string;
  readonly roles: readonly RenderedRole[];
  /** Empty without the adapter rules ConfigMap: the HPA's adapter metrics are then unavailable. */
  readonly adapter: AdapterSemantics;
  /** How long a stopping agent lets its tasks finish (HIVE_SHUTDOWN_GRACE_MS), seconds. */
  readonly drainSeconds: number;
  /** The ServiceMonitors' scrape interval, seconds: how stale a Prometheus-served metric is. */
  readonly scrapeSeconds: number;
}

type Obj = { kind: string; metadata: { name: string }; [k: string]: any };

/** Reads the HPAs, Deployments, runtime config, scrape interval and adapter rules an environment renders. */
export function readRenderedEnvironment(chartsOut: string, env: string): RenderedEnvironment {
  const dir = join(chartsOut, env);
  const objects: Obj[] = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj));
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const required = (kind: string, name: string) => {
    const found = find(kind, name);
    if (!found) throw new Error(`charts-out/${env}: no ${kind}/${name}`);
    return found;
  };

  const roles = SCALABLE_ROLES.map((role): RenderedRole => {
    const name = `agent-${role}`;
    const container = required('Deployment', name).spec.template.spec.containers[0];
    const concurrency = Number(container.env.find((e: { name: string }) => e.name === 'HIVE_CONCURRENCY')?.value);
    if (!(concurrency > 0)) throw new Error(`charts-out/${env}: Deployment/${name} sets no HIVE_CONCURRENCY`);
    const hpa = find('HorizontalPodAutoscaler', name);
    const scaledObject = find('ScaledObject', name);
    if (!hpa && !scaledObject) throw new Error(`charts-out/${env}: nothing scales Deployment/${name}`);
    return { role, hpa: hpa && hpaSpec(hpa), scaledObject: scaledObject && kedaSettings(scaledObject), concurrency };
  });
  const runtime = required('ConfigMap', 'agent-hive-runtime').data;
  const interval = objects.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'agent-developer')?.spec.endpoints[0].interval ?? '30s';
  const adapterMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('agent-hive-adapter-rules-'));
  return {
    env,
    roles,
    adapter: adapterSemantics(adapterMap ? parse(adapterMap.data['config.yaml']) : {}),
    drainSeconds: Number(runtime.HIVE_SHUTDOWN_GRACE_MS) / 1000,
    scrapeSeconds: seconds(interval),
  };
}

interface AdapterRuleYaml {
  name: { as: string };
  metricsQuery: string;
}

/** Classifies each rule by the contract series its query reads; a query the simulation cannot model is refused. */
export function adapterSemantics(config: { rules?: AdapterRuleYaml[]; externalRules?: AdapterRuleYaml[] }): AdapterSemantics {
  const busyRatio = new Set<string>();
  const backlog = new Set<string>();
  const withheld = new Set<string>();
  for (const rule of config.rules ?? []) {
    const q = rule.metricsQuery;
    if (!(q.includes(METRICS.tasksInFlight) && q.includes(`/ sum(${METRICS.agentCapacity}`))) throw new Error(`adapter rule ${rule.name.as}: not modelled: ${q}`);
    busyRatio.add(rule.name.as);
  }
  for (const rule of config.externalRules ?? []) {
    const q = rule.metricsQuery;
    if (!q.includes(METRICS.queueBacklog)) throw new Error(`adapter external rule ${rule.name.as}: not modelled: ${q}`);
    backlog.add(rule.name.as);
    if (/\bunless on\s*\(role(,\s*track)?\)/.test(q) && q.includes(METRICS.llmCircuitState)) withheld.add(rule.name.as);
  }
  return { busyRatio, backlog, withheldWhileCircuitOpen: withheld };
}

/** An autoscaling/v2 HPA object reduced to what the algorithm reads; behavior defaults filled in as the API server does. */
export function hpaSpec(hpa: Obj): HpaSpec {
  const spec = hpa.spec;
  return {
    name: hpa.metadata.name,
    minReplicas: spec.minReplicas ?? 1,
    maxReplicas: spec.maxReplicas,
    metrics: (spec.metrics as any[]).map(metricSpec),
    behavior: behavior(spec.behavior),
  };
}

/** An HPA `behavior`, defaults filled in as the API server does. */
function behavior(given: any): HpaSpec['behavior'] {
  return { scaleUp: rules(given?.scaleUp, DEFAULT_BEHAVIOR.scaleUp), scaleDown: rules(given?.scaleDown, DEFAULT_BEHAVIOR.scaleDown) };
}

function rules(given: any, defaults: ScalingRules): ScalingRules {
  return {
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: given?.selectPolicy ?? defaults.selectPolicy,
    policies: given?.policies ?? defaults.policies,
  };
}

function metricSpec(m: any): MetricSpec {
  if (m.type === 'External' && m.external.target.type === 'AverageValue') {
    return { kind: 'external', name: m.external.metric.name, targetAverageValue: quantity(m.external.target.averageValue) };
  }
  if (m.type === 'Pods' && m.pods.target.type === 'AverageValue') {
    return { kind: 'pods', name: m.pods.metric.name, targetAverageValue: quantity(m.pods.target.averageValue) };
  }
  if (m.type === 'Resource' && m.resource.name === 'cpu' && m.resource.target.type === 'Utilization') {
    return { kind: 'cpu', targetUtilizationPercent: m.resource.target.averageUtilization };
  }
  throw new Error(`HPA metric not modelled: ${JSON.stringify(m)}`);
}

/** A Kubernetes quantity such as `2`, `700m` or `1.5`. */
export function quantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const milli = /^(\d+)m$/.exec(q);
  if (milli) return Number(milli[1]) / 1000;
  if (!/^\d+(\.\d+)?$/.test(q)) throw new Error(`quantity not modelled: ${q}`);
  return Number(q);
}

function seconds(duration: string): number {
  const m = /^(\d+)(s|m)$/.exec(duration);
  if (!m) throw new Error(`duration not modelled: ${duration}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

/** A ScaledObject's settings and triggers, KEDA's defaults filled in; a trigger the simulation cannot model is refused. */
export function kedaSettings(scaledObject: Obj): KedaSettings {
  const spec = scaledObject.spec;
  const given = spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
  return {
    minReplicaCount: spec.minReplicaCount ?? 0,
    maxReplicaCount: spec.maxReplicaCount ?? 100,
    pollingIntervalSeconds: spec.pollingInterval ?? 30,
    cooldownPeriodSeconds: spec.cooldownPeriod ?? 300,
    triggers: (spec.triggers as any[]).map(trigger),
    behavior: behavior(given),
  };
}

function trigger(t: any): KedaTrigger {
  const m = t.metadata;
  if (t.type === 'redis-streams' && m.lagCount) return { signal: 'lag', target: Number(m.lagCount), activation: Number(m.activationLagCount ?? 0) };
  if (t.type === 'redis-streams' && m.consumerGroup) {
    return { signal: 'pending', target: Number(m.pendingEntriesCount ?? 5), activation: Number(m.activationLagCount ?? 0) };
  }
  if (t.type === 'prometheus' && m.query.includes(METRICS.tasksInFlight)) {
    return { signal: 'inFlight', target: Number(m.threshold), activation: Number(m.activationThreshold ?? 0) };
  }
  throw new Error(`KEDA trigger not modelled: ${JSON.stringify(t)}`);
}
