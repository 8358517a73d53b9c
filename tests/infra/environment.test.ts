import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { InvalidEnvironmentError } from '../../infra/environment/invalid-environment-error';
import { ENVIRONMENT_CONFIG_KEY, parseEnvironment } from '../../infra/environment/parse-environment';
import { roleTracks } from '../../infra/environment/role-tracks';
import { listStacks, loadEnvironment } from '../../infra/environment/stack-files';
import { REPO_ROOT } from '../support/repo';

const stagingRaw = () => structuredClone(parse(readFileSync(join(REPO_ROOT, 'Pulumi.staging.yaml'), 'utf8')).config[ENVIRONMENT_CONFIG_KEY]);

function rejection(mutate: (raw: any) => void): string {
  const raw = stagingRaw();
  mutate(raw);
  try {
    parseEnvironment('staging', raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('environments', () => {
  it('are the stacks with a Pulumi.<stack>.yaml, and each of them is valid', () => {
    expect(listStacks(REPO_ROOT)).toEqual(['prod', 'staging']);
    for (const stack of listStacks(REPO_ROOT)) expect(loadEnvironment(REPO_ROOT, stack).name).toBe(stack);
  });

  it.each([
    ['a min above the max', (r: any) => (r.roles.developer.minReplicas = 9), 'agent-hive:environment.roles.developer.minReplicas: must be <= maxReplicas (8), got 9'],
    ['a namespace that is no DNS label', (r: any) => (r.namespace = 'Agent_Hive'), 'agent-hive:environment.namespace: must be a lowercase DNS label'],
    ['a memory quantity without unit', (r: any) => (r.roles.qa.resources.memoryLimit = '512'), 'agent-hive:environment.roles.qa.resources.memoryLimit: must be a memory quantity'],
    ['an unknown key (a typo)', (r: any) => (r.roles.qa.maxReplica = 3), "agent-hive:environment.roles.qa: Unrecognized key(s) in object: 'maxReplica'"],
    ['a missing role', (r: any) => delete r.roles.architect, 'agent-hive:environment.roles.architect: Required'],
    ['a data store image on :latest', (r: any) => (r.redis.image = 'redis:latest'), 'agent-hive:environment.redis.image: must not use :latest'],
    ['an unknown egress mode', (r: any) => (r.egress = 'open'), "agent-hive:environment.egress: Invalid enum value. Expected 'cidr' | 'cilium-fqdn'"],
    ['an external store without CIDR', (r: any) => (r.postgres = { mode: 'external', host: 'pg.example.com', port: 5432, tls: true }), 'agent-hive:environment.postgres.cidr: Required'],
    ['a busy ratio above 1', (r: any) => (r.autoscaling.busyRatioTarget = 1.5), 'agent-hive:environment.autoscaling.busyRatioTarget'],
    [
      'a selector label the chart sets itself',
      (r: any) => (r.monitoring.selectorLabels = { 'app.kubernetes.io/component': 'x' }),
      "agent-hive:environment.monitoring.selectorLabels.app.kubernetes.io/component: must not set 'app.kubernetes.io/component'",
    ],
    ['a selector label value with a space', (r: any) => (r.monitoring.selectorLabels = { release: 'kube prometheus' }), 'agent-hive:environment.monitoring.selectorLabels.release: must be a label value'],
    ['a model failure ratio of 1 or more', (r: any) => (r.alerts.modelFailureRatio = 1), 'agent-hive:environment.alerts.modelFailureRatio'],
    ['a missing gateway', (r: any) => delete r.gateway, 'agent-hive:environment.gateway: Required'],
    ['a single gateway replica', (r: any) => (r.gateway.minReplicas = 1), 'agent-hive:environment.gateway.minReplicas: must be >= 2'],
    ['a gateway min above its max', (r: any) => (r.gateway.maxReplicas = 1), 'agent-hive:environment.gateway.minReplicas: must be <= maxReplicas (1), got 2'],
    ['a gateway public URL with a path', (r: any) => (r.gateway.publicUrl = 'https://hive.staging.example.com/a2a'), 'agent-hive:environment.gateway.publicUrl: must be an http(s) URL without a path'],
    [
      'a gateway public URL off the ingress host',
      (r: any) => (r.gateway.publicUrl = 'https://elsewhere.example.com'),
      'agent-hive:environment.gateway.publicUrl: must be https://hive.staging.example.com, the ingress host',
    ],
    ['a retention the gateway refuses', (r: any) => (r.gateway.retentionDays = 0), 'agent-hive:environment.gateway.retentionDays: Number must be greater than 0'],
    ['a body limit above 256 MiB', (r: any) => (r.gateway.maxBodyBytes = 512 * 1024 * 1024), 'agent-hive:environment.gateway.maxBodyBytes: Number must be less than or equal to 268435456'],
    ['a client namespace that is no DNS label', (r: any) => (r.gateway.ingressNamespaces = ['CI']), 'agent-hive:environment.gateway.ingressNamespaces.0: must be a lowercase DNS label'],
    [
      'a gateway nothing can reach',
      (r: any) => {
        delete r.gateway.ingress;
        r.gateway.ingressNamespaces = [];
      },
      'agent-hive:environment.gateway.ingressNamespaces: must name at least one namespace when there is no ingress',
    ],
    ['an ingress without the controller namespace', (r: any) => delete r.gateway.ingress.controllerNamespace, 'agent-hive:environment.gateway.ingress.controllerNamespace: Required'],
    ['an ingress without TLS', (r: any) => delete r.gateway.ingress.tlsSecretName, 'agent-hive:environment.gateway.ingress.tlsSecretName: Required'],
    ['a gateway error ratio of 1 or more', (r: any) => (r.alerts.gatewayErrorRatio = 1), 'agent-hive:environment.alerts.gatewayErrorRatio'],
    ['a track named stable', (r: any) => (r.roles.developer.tracks.stable = {}), 'agent-hive:environment.roles.developer.tracks.stable: `stable` is the role itself: set its values on the role'],
    ['a track named legacy', (r: any) => (r.roles.developer.tracks.legacy = {}), 'agent-hive:environment.roles.developer.tracks.legacy: the track name `legacy` is reserved'],
    ['a track name the runtime refuses', (r: any) => (r.roles.qa.tracks = { Blue_1: {} }), "agent-hive:environment.roles.qa.tracks.Blue_1: a track name is 1-31 lowercase letters, digits or '-'"],
    ['a track image by tag', (r: any) => (r.roles.developer.tracks.green.image = 'registry.staging.example.com/agent-hive/agent-developer:v2'), 'agent-hive:environment.roles.developer.tracks.green.image: must name the image by digest'],
    ['an unknown track key (a typo)', (r: any) => (r.roles.developer.tracks.green.modell = 'x'), "agent-hive:environment.roles.developer.tracks.green: Unrecognized key(s) in object: 'modell'"],
    ['a track min above its max', (r: any) => (r.roles.developer.tracks.green.minReplicas = 5), 'agent-hive:environment.roles.developer.tracks.green.minReplicas: must be <= maxReplicas (4), got 5'],
    [
      'a role with a sandbox at concurrency 2',
      (r: any) => (r.roles.qa.concurrency = 2),
      "agent-hive:environment.roles.qa.concurrency: must be 1: qa has a sandbox (sandbox.roles), and tasks sharing one sandbox could read each other's files and git tokens; raise maxReplicas instead, got 2",
    ],
    ['a track of a role with a sandbox at concurrency 3', (r: any) => (r.roles.developer.tracks.green.concurrency = 3), 'agent-hive:environment.roles.developer.tracks.green.concurrency: must be 1: developer has a sandbox'],
    [
      "a track max below the role's min",
      (r: any) => (r.roles.developer.tracks.green = { maxReplicas: 1 }),
      "agent-hive:environment.roles.developer.tracks.green.maxReplicas: must be >= minReplicas (2, the role's), got 1",
    ],
    ['a track scaled to zero by its autoscaler without KEDA', (r: any) => (r.roles.developer.tracks.green.minReplicas = 0), 'agent-hive:environment.roles.developer.tracks.green.minReplicas: must be >= 1: only architect and qa scale to zero'],
    ['replicas other than 0', (r: any) => (r.roles.developer.replicas = 3), 'agent-hive:environment.roles.developer.replicas: must be 0 (no pod, no autoscaler) or left out'],
    ['a track of meta', (r: any) => (r.roles.meta.tracks = { green: {} }), 'agent-hive:environment.roles.meta.tracks: meta is the coordination singleton: it has no tracks'],
    ['meta at zero', (r: any) => (r.roles.meta.replicas = 0), 'agent-hive:environment.roles.meta.replicas: meta is the coordination singleton: it always runs exactly one pod'],
  ])('rejects %s with a message naming the key and the reason', (_what, mutate, message) => {
    expect(rejection(mutate)).toContain(message);
  });

  it("defaults to kube-prometheus-stack's selector label, the monitoring ConfigMaps and a 5 % model failure threshold", () => {
    const raw = stagingRaw();
    delete raw.monitoring;
    delete raw.alerts.modelFailureRatio;
    const env = parseEnvironment('staging', raw);
    expect(env.monitoring).toEqual({ selectorLabels: { release: 'kube-prometheus-stack' }, configMapsInMonitoringNamespace: true });
    expect(env.alerts.modelFailureRatio).toBe(0.05);
  });

  it("defaults the gateway to a 10 MiB body limit, no client namespaces, no ingress annotations, and the source document's 100 ms and 5 % alert targets", () => {
    const raw = stagingRaw();
    delete raw.gateway.maxBodyBytes;
    delete raw.gateway.ingressNamespaces;
    delete raw.gateway.ingress.annotations;
    delete raw.alerts.gatewayErrorRatio;
    delete raw.alerts.gatewayP99Seconds;
    const env = parseEnvironment('staging', raw);
    expect(env.gateway).toMatchObject({ maxBodyBytes: 10 * 1024 * 1024, ingressNamespaces: [] });
    expect(env.gateway.ingress!.annotations).toEqual({});
    expect(env.alerts).toMatchObject({ gatewayErrorRatio: 0.05, gatewayP99Seconds: 0.1 });
  });

  it('accepts a gateway without ingress that client namespaces reach, on any public URL', () => {
    const raw = stagingRaw();
    delete raw.gateway.ingress;
    raw.gateway.publicUrl = 'http://hive-gateway.agent-hive-staging.svc:8000';
    expect(parseEnvironment('staging', raw).gateway.ingress).toBeUndefined();
  });

  it("fills a track's values from its role's, and accepts replicas: 0 on a role or a track", () => {
    const raw = stagingRaw();
    raw.roles.developer.replicas = 0;
    raw.roles.qa.tracks = { canary: { replicas: 0, image: `r.example.com/agent-qa@sha256:${'0'.repeat(64)}` } };
    const env = parseEnvironment('staging', raw);
    expect(roleTracks(env, 'developer').map((t) => [t.track, t.minReplicas, t.maxReplicas, t.concurrency, t.model, t.scaledToZero])).toEqual([
      ['stable', 2, 8, 1, undefined, true],
      ['green', 1, 4, 1, 'claude-opus-4-1', false],
    ]);
    expect(roleTracks(env, 'qa')[1]).toMatchObject({ track: 'canary', scaledToZero: true, image: `r.example.com/agent-qa@sha256:${'0'.repeat(64)}`, resources: env.roles.qa.resources });
    expect(roleTracks(env, 'architect').map((t) => t.track)).toEqual(['stable']);
  });

  it('reports every problem of a config at once', () => {
    const message = rejection((r) => {
      r.namespace = 'BAD';
      r.runtime.maxDeliveries = 0;
    });
    expect(message).toContain('agent-hive:environment.namespace');
    expect(message).toContain('agent-hive:environment.runtime.maxDeliveries');
  });

  it('rejects a stack file without an environment, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hive-stack-'));
    try {
      writeFileSync(join(dir, 'Pulumi.dev.yaml'), stringify({ config: { 'agent-hive:kubeContext': 'dev' } }));
      expect(() => loadEnvironment(dir, 'dev')).toThrow(/agent-hive:environment: missing from .*Pulumi\.dev\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
