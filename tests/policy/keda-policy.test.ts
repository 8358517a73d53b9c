import { describe, expect, it } from 'vitest';
import { synthKedaFixture } from '../support/keda-fixture';
import { KubeObject } from '../support/manifests';
import { POLICY_RULES } from './policy-rules';

// The policy checklist over an environment scaled by KEDA (tests/fixtures/Pulumi.keda.yaml).
const { env, objects } = synthKedaFixture();

describe('an environment with autoscaling.engine keda', () => {
  for (const [id, check] of Object.entries(POLICY_RULES)) {
    it(`${id} holds for every object`, () => {
      expect(check(objects, env)).toEqual([]);
    });
  }
});

const find = (o: KubeObject[], kind: string, name: string) => o.find((x) => x.kind === kind && x.metadata.name === name)!;

/** For each rule: a realistic mistake with KEDA, and what the failure must name. */
const MISTAKES: Array<{ rule: string; mistake: string; mutate: (o: KubeObject[]) => void; names: string }> = [
  {
    rule: 'HPA-RANGE',
    mistake: 'developer scaled to zero',
    mutate: (o) => (find(o, 'ScaledObject', 'agent-developer').spec.minReplicaCount = 0),
    names: 'scales developer to zero',
  },
  { rule: 'HPA-RANGE', mistake: 'a range off the environment', mutate: (o) => (find(o, 'ScaledObject', 'agent-qa').spec.maxReplicaCount = 99), names: 'agent-qa' },
  {
    rule: 'HPA-RANGE',
    mistake: 'an HPA beside the ScaledObject',
    mutate: (o) => o.push({ ...structuredClone(find(o, 'HorizontalPodAutoscaler', 'hive-gateway')), metadata: { name: 'agent-qa' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'agent-qa' }, minReplicas: 1, maxReplicas: 3 } }),
    names: 'wants one ScaledObject',
  },
  {
    rule: 'SINGLETON',
    mistake: 'meta scaled by KEDA',
    mutate: (o) => {
      const meta = structuredClone(find(o, 'ScaledObject', 'agent-qa'));
      meta.metadata.name = meta.spec.scaleTargetRef.name = 'agent-meta';
      o.push(meta);
    },
    names: 'targets the meta singleton',
  },
  {
    rule: 'SECRET-REF',
    mistake: 'the Redis password in a trigger',
    mutate: (o) => (find(o, 'ScaledObject', 'agent-qa').spec.triggers[0].metadata.password = 'hunter2'),
    names: 'metadata.password',
  },
  {
    rule: 'SECRET-REF',
    mistake: 'a trigger without its TriggerAuthentication',
    mutate: (o) => delete find(o, 'ScaledObject', 'agent-architect').spec.triggers[0].authenticationRef,
    names: 'no authenticationRef',
  },
  {
    rule: 'SECRET-REF',
    mistake: 'KEDA handed the Anthropic key',
    mutate: (o) => (find(o, 'TriggerAuthentication', 'agent-hive-redis').spec.secretTargetRef[0].name = 'agent-hive-anthropic'),
    names: 'agent-hive-anthropic',
  },
  {
    rule: 'HPA-WORK',
    mistake: 'no trigger on the task stream',
    mutate: (o) => {
      const so = find(o, 'ScaledObject', 'agent-developer');
      so.spec.triggers = so.spec.triggers.filter((t: { type: string }) => t.type !== 'redis-streams');
    },
    names: 'no redis-streams trigger',
  },
  {
    rule: 'MON-CONTRACT',
    mistake: 'a busy-slots query on a metric nobody emits',
    mutate: (o) => (find(o, 'ScaledObject', 'agent-qa').spec.triggers[2].metadata.query = 'sum(hive_busy_slots)'),
    names: 'hive_busy_slots',
  },
];

describe('the KEDA checks catch', () => {
  for (const { rule, mistake, mutate, names } of MISTAKES) {
    it(`${rule}: ${mistake}`, () => {
      const broken = structuredClone(objects);
      mutate(broken);
      expect(POLICY_RULES[rule](broken, env).join('\n')).toContain(names);
    });
  }
});
