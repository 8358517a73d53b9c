import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { consumerGroup, hiveKeys, SCALABLE_ROLES } from '../../agent-runtime/src/contract';
import { SECRETS } from '../../infra/constructs/agents/secret-names';
import { parseEnvironment } from '../../infra/environment/parse-environment';
import { kedaEnvironment, synthKedaFixture } from '../support/keda-fixture';
import { KubeObject } from '../support/manifests';

const requireModel = createRequire(__filename);
type Validatable = { new (data: unknown): { validate(): void } };
const model = (kind: string): Validatable => requireModel(`@kubernetes-models/keda/keda.sh/v1alpha1/${kind}`)[kind];

const { env, objects } = synthKedaFixture();
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const scaledObject = (role: string) => find('ScaledObject', `agent-${role}`)!;
const trigger = (so: KubeObject, name: string) => so.spec.triggers.find((t: any) => t.name === name);

describe('autoscaling.engine keda', () => {
  it("validates every ScaledObject and the TriggerAuthentication against KEDA's schemas, and a wrong field fails", () => {
    for (const object of objects.filter((o) => o.apiVersion === 'keda.sh/v1alpha1')) {
      expect(() => new (model(object.kind))(object).validate(), object.metadata.name).not.toThrow();
    }
    const broken = structuredClone(scaledObject('qa'));
    broken.spec.minReplicaCount = 'zero';
    expect(() => new (model('ScaledObject'))(broken).validate()).toThrow(/minReplicaCount/);
  });

  it('gives each scalable role a ScaledObject on its stream and group, busy slots, and the configured range; meta none', () => {
    for (const role of SCALABLE_ROLES) {
      const so = scaledObject(role);
      expect(so.spec.scaleTargetRef.name).toBe(`agent-${role}`);
      expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([env.roles[role].minReplicas, env.roles[role].maxReplicas]);
      for (const name of ['lag', 'pending']) {
        expect(trigger(so, name).metadata).toMatchObject({
          address: 'redis.agent-hive-staging.svc:6379',
          stream: hiveKeys().tasks(role),
          consumerGroup: consumerGroup(role),
          activationLagCount: '0',
        });
        expect(trigger(so, name).authenticationRef).toEqual({ name: 'agent-hive-redis' });
      }
      expect(trigger(so, 'lag').metadata.lagCount).toBe(String(env.autoscaling.backlogPerAgent));
      expect(trigger(so, 'pending').metadata.pendingEntriesCount).toBe(String(env.roles[role].concurrency));
      expect(trigger(so, 'busy-slots').metadata).toMatchObject({
        query: `sum(hive_tasks_in_flight{namespace="agent-hive-staging",role="${role}",track="stable"})`,
        threshold: String(env.roles[role].concurrency * env.autoscaling.busyRatioTarget),
        activationThreshold: '0',
      });
      expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(env.autoscaling.scaleDownStabilizationSeconds);
    }
    expect([scaledObject('architect').spec.minReplicaCount, scaledObject('qa').spec.minReplicaCount]).toEqual([0, 0]);
    expect(find('ScaledObject', 'agent-meta')).toBeUndefined();
  });

  it("gives a track its own ScaledObject on the track's stream, in the role's group, with its own range and busy slots; a track at zero none", () => {
    const green = scaledObject('developer-green');
    const track = env.roles.developer.tracks.green;
    expect(green.spec.scaleTargetRef.name).toBe('agent-developer-green');
    expect(green.metadata.labels).toMatchObject({ 'agent-hive/role': 'developer', 'agent-hive/track': 'green' });
    expect([green.spec.minReplicaCount, green.spec.maxReplicaCount]).toEqual([track.minReplicas, track.maxReplicas]);
    for (const name of ['lag', 'pending']) {
      expect(trigger(green, name).metadata).toMatchObject({ stream: 'hive:tasks:developer:green', consumerGroup: 'developer' });
    }
    expect(trigger(green, 'pending').metadata.pendingEntriesCount).toBe(String(track.concurrency));
    expect(trigger(green, 'busy-slots').metadata).toMatchObject({
      query: 'sum(hive_tasks_in_flight{namespace="agent-hive-staging",role="developer",track="green"})',
      threshold: String(Math.round(track.concurrency! * env.autoscaling.busyRatioTarget * 1000) / 1000),
    });
    expect(find('ScaledObject', 'agent-qa-canary')).toBeUndefined();
    expect(find('Deployment', 'agent-qa-canary')!.spec.replicas).toBe(0);
  });

  it('renders no agent HPA and no prometheus-adapter rules; the gateway keeps its HPA', () => {
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name)).toEqual(['hive-gateway']);
    expect(objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('agent-hive-adapter-rules'))).toEqual([]);
  });

  it('hands KEDA the Redis password through a TriggerAuthentication on the Secret, and lets KEDA reach the in-cluster Redis', () => {
    expect(find('TriggerAuthentication', 'agent-hive-redis')!.spec).toEqual({
      secretTargetRef: [{ parameter: 'password', name: SECRETS.redis.name, key: SECRETS.redis.key }],
    });
    const redisIngress = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('redis-from-'))!.spec.ingress[0].from;
    expect(redisIngress).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } } });
  });

  it('refuses scale to zero for developer, and for any role without KEDA, and KEDA without its settings', () => {
    const problems = (edit: (raw: any) => void) => {
      const raw = structuredClone({ ...kedaEnvironment(), name: undefined }) as any;
      delete raw.name;
      edit(raw);
      try {
        parseEnvironment('keda', raw);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems(() => undefined)).toBe('');
    expect(problems((r) => (r.roles.developer.minReplicas = 0))).toMatch(/roles\.developer\.minReplicas: must be >= 1: only architect and qa scale to zero/);
    expect(problems((r) => (r.autoscaling = { ...r.autoscaling, engine: 'hpa', keda: undefined }))).toMatch(/roles\.architect\.minReplicas: must be >= 1/);
    expect(problems((r) => delete r.autoscaling.keda)).toMatch(/autoscaling\.keda: Required/);
  });
});
