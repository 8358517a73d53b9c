import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BRIDGE_ENV, ENV, HEALTH_PORT, METRICS_PORT } from '../../agent-runtime/src/contract';
import { environmentApp, workloadImages } from '../../infra/chart/environment-app';
import { namespaceQuota } from '../../infra/chart/workload-capacity';
import { BRIDGE_COMMAND } from '../../infra/constructs/bridge/hive-bridge';
import { InvalidEnvironmentError } from '../../infra/environment/invalid-environment-error';
import { ENVIRONMENT_CONFIG_KEY, parseEnvironment } from '../../infra/environment/parse-environment';
import { computeImageTags } from '../../infra/images/image-tags';
import { containerPort } from '../e2e/deployment-env';
import { KubeObject } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';

const tags = computeImageTags(REPO_ROOT);
const stagingRaw = () => structuredClone(parse(readFileSync(join(REPO_ROOT, 'Pulumi.staging.yaml'), 'utf8')).config[ENVIRONMENT_CONFIG_KEY]);
const LEGACY = { list: 'jobs:legacy', bridge: { source: 'jobs', role: 'developer' } };
const render = (legacy?: unknown) => {
  const raw = stagingRaw();
  if (legacy !== undefined) raw.legacy = legacy;
  const env = parseEnvironment('staging', raw);
  return { env, objects: environmentApp(env, workloadImages(env, tags)).chart.toJson() as KubeObject[] };
};
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const envOf = (deployment: KubeObject) => Object.fromEntries((deployment.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
const BRIDGE_POD = { 'app.kubernetes.io/name': 'agent-hive', 'app.kubernetes.io/component': 'bridge' };

describe('the legacy bridge', () => {
  const { env, objects } = render(LEGACY);
  const bridge = find(objects, 'Deployment', 'hive-bridge')!;
  const container = bridge.spec.template.spec.containers[0];

  it('runs the bridge entry point of the base image, the gateway’s image, with the lists, the role and the Redis password from its Secret', () => {
    expect(container.command).toEqual(BRIDGE_COMMAND);
    expect(container.image).toBe(find(objects, 'Deployment', 'hive-gateway')!.spec.template.spec.containers[0].image);
    expect(envOf(bridge)).toMatchObject({ [BRIDGE_ENV.legacyList]: 'jobs:legacy', [BRIDGE_ENV.source]: 'jobs', [BRIDGE_ENV.role]: 'developer' });
    expect(container.env.find((e: any) => e.name === ENV.podName).valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(container.env.find((e: any) => e.name === 'REDIS_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'agent-hive-redis', key: 'password' } });
    // REDIS_URL and the ports come from the runtime ConfigMap, as for the gateway.
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'agent-hive-runtime' } }]);
    expect(bridge.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
  });

  it('is probed on 8080 and scraped on 9090 through its Service and ServiceMonitor', () => {
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(containerPort(bridge, container[probe].httpGet.port), probe).toBe(HEALTH_PORT);
    expect(find(objects, 'Service', 'hive-bridge')!.spec.ports.map((p: any) => p.port)).toEqual([METRICS_PORT]);
    expect(find(objects, 'ServiceMonitor', 'hive-bridge')!.spec.selector.matchLabels).toEqual(BRIDGE_POD);
  });

  it('reaches Redis only, and Redis and the monitoring namespace admit it', () => {
    const selectsBridge = (p: KubeObject) =>
      Object.keys(p.spec.podSelector).length === 0 ||
      (Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => (BRIDGE_POD as Record<string, string>)[k] === v) &&
        (p.spec.podSelector.matchExpressions ?? []).every((e: any) => e.values.includes((BRIDGE_POD as Record<string, string>)[e.key])));
    const egress = objects.filter((o) => o.kind === 'NetworkPolicy' && o.spec.policyTypes.includes('Egress') && selectsBridge(o));
    expect(egress.map((p) => p.metadata.name).sort()).toEqual(['allow-dns', 'bridge-to-data-stores', 'default-deny']);
    expect(find(objects, 'NetworkPolicy', 'bridge-to-data-stores')!.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'agent-hive', 'app.kubernetes.io/component': 'redis' } } }], ports: [{ port: 6379, protocol: 'TCP' }] }]);
    expect(find(objects, 'NetworkPolicy', 'redis-from-agents-and-gateway-and-bridge')!.spec.ingress[0].from).toContainEqual({ podSelector: { matchLabels: BRIDGE_POD } });
    expect(find(objects, 'NetworkPolicy', 'metrics-from-monitoring')!.spec.podSelector.matchExpressions[0].values).toContain('bridge');
  });

  it('never gives the gateway the legacy list (its clients wait for results the old system does not write), and counts the bridge in the quota', () => {
    expect(envOf(find(objects, 'Deployment', 'hive-gateway')!)).not.toHaveProperty(BRIDGE_ENV.legacyList);
    expect(namespaceQuota(env).memoryLimitsMi).toBeGreaterThan(namespaceQuota(render().env).memoryLimitsMi);
  });

  it('is not rendered without legacy.bridge', () => {
    const listOnly = render({ list: 'jobs:legacy' }).objects;
    expect(find(listOnly, 'Deployment', 'hive-bridge')).toBeUndefined();
    expect(find(listOnly, 'NetworkPolicy', 'redis-from-agents-and-gateway')).toBeDefined();
    const none = render().objects;
    expect(none.filter((o) => o.metadata.name.includes('bridge'))).toEqual([]);
  });

  it('stops with replicas: 0 once the old producers are gone', () => {
    expect(find(render({ ...LEGACY, bridge: { ...LEGACY.bridge, replicas: 0 } }).objects, 'Deployment', 'hive-bridge')!.spec.replicas).toBe(0);
  });

  it.each([
    ['the source the bridge writes to', { list: 'jobs', bridge: { source: 'jobs', role: 'developer' } }, 'legacy.bridge.source: must differ from legacy.list (jobs)'],
    ['a list name with a space', { list: 'old jobs' }, 'legacy.list: must be a Redis key'],
    ['meta as the role', { ...LEGACY, bridge: { ...LEGACY.bridge, role: 'meta' } }, 'legacy.bridge.role: Invalid enum value'],
    ['two bridges', { ...LEGACY, bridge: { ...LEGACY.bridge, replicas: 2 } }, 'legacy.bridge.replicas: Number must be less than or equal to 1'],
    ['a typo', { ...LEGACY, bridge: { ...LEGACY.bridge, sources: 'x' } }, "legacy.bridge: Unrecognized key(s) in object: 'sources'"],
  ])('refuses %s, naming the key', (_what, legacy, message) => {
    expect(() => render(legacy)).toThrow(InvalidEnvironmentError);
    expect(() => render(legacy)).toThrow(`agent-hive:environment.${message}`);
  });
});
