import { describe, expect, it } from 'vitest';
import { resolvePlan } from '../../agent-runtime/src/rollout/rollout-plan';

const PROMETHEUS = 'http://prometheus:9090';

describe('a rollout plan', () => {
  it('fills in the defaults: 25/50/75/100 from stable, 5 minute soaks and windows, the five default gates', () => {
    const plan = resolvePlan(undefined, { role: 'developer', to: 'green', prometheus: PROMETHEUS });
    expect(plan).toMatchObject({ role: 'developer', from: 'stable', to: 'green', steps: [25, 50, 75, 100], soakMs: 300_000, checkEveryMs: 30_000, windowMs: 300_000, lockTtlMs: 30_000 });
    expect(plan.gates.map((g) => [g.name, g.op, g.threshold])).toEqual([
      ['failure-ratio', '<=', 0.02],
      ['pickup-latency-p99', '<', 0.5],
      ['alerts-firing', '<=', 0],
      ['tokens-per-task', '<=', 1.5],
      ['tasks-finished', '>=', 1],
    ]);
    expect(plan.gates[4]).toMatchObject({ query: 'sum(increase(hive_tasks_total{role="developer",track="green"}[300s]))', atStepEnd: true });
    expect(plan.gates[3].comparesFrom).toBe(true);
    expect(plan.gates[1].query).toBe('histogram_quantile(0.99, sum by (le) (rate(hive_task_pickup_latency_seconds_bucket{role="developer",track="green"}[300s])))');
  });

  it('takes a file, lets the flags win, changes, drops and adds gates, and compares the old system to nothing', () => {
    const file = {
      role: 'qa',
      from: 'legacy',
      to: 'stable',
      steps: [50, 100],
      soak: '1m',
      gates: { 'failure-ratio': { threshold: 0.01, window: '30s' }, 'alerts-firing': null, 'tasks-finished': { threshold: 20 }, slow: { query: 'max(hive_task_duration_seconds_sum{role="$role",track="$to"}[$window])', threshold: 9 } },
    };
    const plan = resolvePlan(file, { steps: '10,100', prometheus: PROMETHEUS });
    expect(plan).toMatchObject({ role: 'qa', from: 'legacy', to: 'stable', steps: [10, 100], soakMs: 60_000, checkEveryMs: 30_000 });
    expect(plan.gates.map((g) => g.name)).toEqual(['failure-ratio', 'pickup-latency-p99', 'tasks-finished', 'slow']);
    expect(plan.gates[2]).toMatchObject({ op: '>=', threshold: 20 });
    expect(plan.gates[0]).toEqual({
      name: 'failure-ratio',
      op: '<=',
      threshold: 0.01,
      query: 'sum(increase(hive_tasks_total{role="qa",track="stable",outcome=~"failed|dead_lettered"}[30s])) / sum(increase(hive_tasks_total{role="qa",track="stable"}[30s]))',
    });
    expect(plan.gates[3].query).toBe('max(hive_task_duration_seconds_sum{role="qa",track="stable"}[300s])');
  });

  it('refuses bad input with the field and the value', () => {
    const base = { role: 'developer', to: 'green', prometheus: PROMETHEUS };
    const refusal = (file: unknown, flags = {}) => () => resolvePlan(file, { ...base, ...flags });
    expect(refusal(undefined, { steps: '50,25' })).toThrow('plan: `steps` must be increasing whole percents from 1 to 100, ending at 100, got `50,25`');
    expect(refusal(undefined, { steps: '25,50' })).toThrow('ending at 100, got `25,50`');
    expect(refusal(undefined, { soak: '5 minutes' })).toThrow('plan: `soak` must be a duration such as 30s, 5m or 1h, got `5 minutes`');
    expect(refusal(undefined, { role: 'tester' })).toThrow('plan: `role` must be one of architect, developer, qa, meta, got `tester`');
    expect(refusal(undefined, { to: 'stable' })).toThrow('plan: `to` and `from` must differ, both are `stable`');
    expect(refusal(undefined, { to: 'legacy' })).toThrow('plan: `to` cannot be `legacy`');
    // The gateway spreads legacy's share over the other tracks: green would get all of its tasks at 25 %.
    expect(refusal(undefined, { from: 'legacy', to: 'green' })).toThrow('plan: `from: legacy` needs `to: stable`, got `green`: the gateway sends the legacy share to the fleet\'s other tracks');
    expect(refusal(undefined, { to: 'Green' })).toThrow("plan: `to`: a track name is 1-31 lowercase letters");
    expect(refusal(undefined, { prometheus: 'http://admin:secret@prometheus:9090' })).toThrow('plan: `prometheus` must not carry credentials');
    expect(refusal({ soak: '1m', colour: 'red' })).toThrow('plan: `colour` is not a plan field');
    expect(refusal({ gates: { mine: { threshold: 1 } } })).toThrow('plan: `gates.mine.query` is required for a gate of the plan\'s own');
    expect(refusal({ gates: { mine: { query: 'vector(1)' } } })).toThrow('plan: `gates.mine.threshold` is required for a gate of the plan\'s own');
    expect(refusal({ gates: { 'failure-ratio': { op: '>' } } })).toThrow("plan: `gates.failure-ratio.op` must be '<', '<=', '>=', got `>`");
    expect(() => resolvePlan(undefined, { role: 'developer', to: 'green' })).toThrow('plan: `prometheus` is required (--prometheus, or PROMETHEUS_URL)');
  });
});
