import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { listStacks } from '../../infra/environment/stack-files';
import { REPO_ROOT } from './repo';

/** A Kubernetes object as read from YAML; tests look into it field by field. */
export type KubeObject = { apiVersion: string; kind: string; metadata: KubeMetadata; [field: string]: any };
export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** One environment's synthesized objects. */
export interface EnvironmentManifests {
  readonly env: string;
  readonly objects: readonly KubeObject[];
}

export function readManifestDir(dir: string): KubeObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => doc.toJS() as KubeObject));
}

/** Every environment in charts-out/, as committed. */
export function loadChartsOut(root = join(REPO_ROOT, 'charts-out')): EnvironmentManifests[] {
  return listStacks(REPO_ROOT).map((env) => ({ env, objects: readManifestDir(join(root, env)) }));
}

/** `Kind/namespace/name`, how failures name an object. */
export function describe(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

/** The chart's agent pods, of every track: the stable ones are component `agent`, the others `agent-track`. */
export const AGENT_COMPONENTS = ['agent', 'agent-track'];
export const componentOf = (o: KubeObject): string | undefined => o.metadata.labels?.['app.kubernetes.io/component'];
export const isAgent = (o: KubeObject): boolean => AGENT_COMPONENTS.includes(componentOf(o) ?? '');

export const POD_WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];

/** Workloads with a pod template, with that template's spec. */
export function podWorkloads(objects: readonly KubeObject[]): Array<{ object: KubeObject; pod: any }> {
  return objects.filter((o) => POD_WORKLOAD_KINDS.includes(o.kind)).map((object) => ({ object, pod: object.spec.template.spec }));
}

/** Every container and init container of a pod spec. */
export function containersOf(pod: any): any[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
}

export function byKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** Whether a label selector's matchLabels select objects with `labels`. */
export function selects(matchLabels: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!matchLabels || Object.keys(matchLabels).length === 0) return false;
  return Object.entries(matchLabels).every(([k, v]) => labels?.[k] === v);
}
