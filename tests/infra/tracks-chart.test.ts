import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { environmentApp, workloadImages } from '../../infra/chart/environment-app';
import { namespaceQuota } from '../../infra/chart/workload-capacity';
import { ENVIRONMENT_CONFIG_KEY, parseEnvironment } from '../../infra/environment/parse-environment';
import { computeImageTags } from '../../infra/images/image-tags';
import { KubeObject, selects } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';

const tags = computeImageTags(REPO_ROOT);
const stagingRaw = () => structuredClone(parse(readFileSync(join(REPO_ROOT, 'Pulumi.staging.yaml'), 'utf8')).config[ENVIRONMENT_CONFIG_KEY]);
const render = (edit: (raw: any) => void = () => undefined) => {
  const raw = stagingRaw();
  edit(raw);
  const env = parseEnvironment('staging', raw);
  return { env, objects: environmentApp(env, workloadImages(env, tags)).chart.toJson() as KubeObject[] };
};
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const envOf = (deployment: KubeObject) =>
  Object.fromEntries((deployment.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
const GREEN_IMAGE = `registry.staging.example.com/agent-hive/agent-developer@sha256:${'ab'.repeat(32)}`;

describe('a track of a role', () => {
  const { env, objects } = render();
  const green = find(objects, 'Deployment', 'agent-developer-green')!;
  const stable = find(objects, 'Deployment', 'agent-developer')!;

  it('renders its own Deployment, HPA, PDB, Service, ServiceMonitor and ServiceAccount named agent-<role>-<track>, labelled with its track', () => {
    for (const kind of ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'ServiceMonitor', 'ServiceAccount']) {
      const object = find(objects, kind, 'agent-developer-green');
      expect(object, kind).toBeDefined();
      expect(object!.metadata.labels, kind).toMatchObject({ 'agent-hive/role': 'developer', 'agent-hive/track': 'green' });
    }
    expect(green.spec.template.metadata.labels).toMatchObject({ 'agent-hive/role': 'developer', 'agent-hive/track': 'green', 'app.kubernetes.io/component': 'agent-track' });
    expect(green.spec.template.spec.serviceAccountName).toBe('agent-developer-green');
  });

  it("consumes its stream (HIVE_TRACK) with the track's model, and everything else as the role: secrets, config, resources", () => {
    expect(envOf(green)).toMatchObject({ HIVE_ROLE: 'developer', HIVE_TRACK: 'green', ANTHROPIC_MODEL: 'claude-opus-4-1', HIVE_CONCURRENCY: '1' });
    expect(envOf(stable).HIVE_TRACK).toBeUndefined();
    const withoutTrack = (d: KubeObject) => d.spec.template.spec.containers[0].env.filter((e: { name: string }) => !['HIVE_TRACK', 'ANTHROPIC_MODEL'].includes(e.name));
    expect(withoutTrack(green)).toEqual(withoutTrack(stable));
    expect(green.spec.template.spec.containers[0].envFrom).toEqual(stable.spec.template.spec.containers[0].envFrom);
    expect(green.spec.template.spec.containers[0].resources).toEqual(stable.spec.template.spec.containers[0].resources);
    expect(green.spec.template.spec.containers[0].image).toBe(stable.spec.template.spec.containers[0].image);
  });

  it("scales on its own track's backlog in its own range, and its pods' busy slots", () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'agent-developer-green')!;
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([1, 4]);
    expect(hpa.spec.scaleTargetRef.name).toBe('agent-developer-green');
    expect(hpa.spec.metrics[0].external.metric.selector.matchLabels).toEqual({ role: 'developer', track: 'green' });
    expect(find(objects, 'HorizontalPodAutoscaler', 'agent-developer')!.spec.metrics[0].external.metric.selector.matchLabels).toEqual({ role: 'developer', track: 'stable' });
  });

  it("never lets the stable Deployment, Service or PDB select a track's pods, and keeps the stable selectors as they were", () => {
    const stablePods = stable.spec.template.metadata.labels;
    const greenPods = green.spec.template.metadata.labels;
    for (const [kind, selector] of [
      ['Deployment', stable.spec.selector.matchLabels],
      ['Service', find(objects, 'Service', 'agent-developer')!.spec.selector],
      ['PodDisruptionBudget', find(objects, 'PodDisruptionBudget', 'agent-developer')!.spec.selector.matchLabels],
    ] as const) {
      expect(selects(selector, stablePods), kind).toBe(true);
      expect(selects(selector, greenPods), kind).toBe(false);
    }
    expect(selects(green.spec.selector.matchLabels, stablePods)).toBe(false);
    // Deployment selectors are immutable: the stable one is what an environment without tracks renders.
    const before = render((raw) => delete raw.roles.developer.tracks).objects;
    expect(stable.spec.selector).toEqual(find(before, 'Deployment', 'agent-developer')!.spec.selector);
    expect(stable).toEqual(find(before, 'Deployment', 'agent-developer'));
  });

  it("tells meta of every track, so it keeps the track's stream, and leaves meta alone without tracks", () => {
    expect(envOf(find(objects, 'Deployment', 'agent-meta')!).HIVE_FLEET_TRACKS).toBe('developer:green');
    const two = render((raw) => (raw.roles.qa.tracks = { canary: {} })).objects;
    expect(envOf(find(two, 'Deployment', 'agent-meta')!).HIVE_FLEET_TRACKS).toBe('developer:green,qa:canary');
    const none = render((raw) => delete raw.roles.developer.tracks).objects;
    expect(envOf(find(none, 'Deployment', 'agent-meta')!)).not.toHaveProperty('HIVE_FLEET_TRACKS');
  });

  it('makes room in the quota for the track at its max replicas and a surge pod', () => {
    const without = render((raw) => delete raw.roles.developer.tracks).env;
    const extra = namespaceQuota(env).pods - namespaceQuota(without).pods;
    // maxReplicas 4 plus the surge pod, and the 10 % headroom on them.
    expect(extra).toBeGreaterThanOrEqual(5);
    expect(extra).toBeLessThanOrEqual(6);
  });

  it('runs its own image when it names one by digest, and sets only what it overrides', () => {
    const { objects: withImage } = render((raw) => (raw.roles.developer.tracks.green = { image: GREEN_IMAGE, maxTurns: 10, maxTokensPerTask: 5000 }));
    const deployment = find(withImage, 'Deployment', 'agent-developer-green')!;
    expect(deployment.spec.template.spec.containers[0].image).toBe(GREEN_IMAGE);
    expect(envOf(deployment)).toMatchObject({ HIVE_MAX_TURNS: '10', HIVE_MAX_TOKENS: '5000' });
    expect(envOf(deployment)).not.toHaveProperty('ANTHROPIC_MODEL');
    expect(find(withImage, 'Deployment', 'agent-developer')!.spec.template.spec.containers[0].image).toBe(`registry.staging.example.com/agent-hive/agent-developer:${tags.roles.developer}`);
  });
});

describe('a track at zero (replicas: 0)', () => {
  const expectScaledDown = (objects: KubeObject[], name: string) => {
    expect(find(objects, 'Deployment', name)!.spec.replicas).toBe(0);
    expect(find(objects, 'HorizontalPodAutoscaler', name)).toBeUndefined();
    expect(find(objects, 'ScaledObject', name)).toBeUndefined();
  };

  it('is how the stable track stops once a rollout reached 100 %: no pod, no autoscaler, no quota; the other track runs on', () => {
    const { env, objects } = render((raw) => (raw.roles.developer.replicas = 0));
    expectScaledDown(objects, 'agent-developer');
    expect(find(objects, 'HorizontalPodAutoscaler', 'agent-developer-green')).toBeDefined();
    // Its Service, ServiceMonitor and PDB stay: scaling back up is one value.
    expect(find(objects, 'Service', 'agent-developer')).toBeDefined();
    expect(namespaceQuota(render().env).pods - namespaceQuota(env).pods).toBeGreaterThanOrEqual(5);
  });

  it('stops another track the same way, and its alert fires only if tasks wait on it', () => {
    const { objects } = render((raw) => (raw.roles.developer.tracks.green.replicas = 0));
    expectScaledDown(objects, 'agent-developer-green');
    const rule = objects
      .find((o) => o.kind === 'PrometheusRule')!
      .spec.groups.flatMap((g: any) => g.rules)
      .find((r: any) => r.alert === 'HiveRoleNoReadyAgent' && r.labels.track === 'green');
    expect(rule.expr).toContain('hive_queue_backlog{namespace="agent-hive-staging",role="developer",track="green"}) > 0');
  });
});
