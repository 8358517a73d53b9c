import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeGate, evaluateGates, GateMoment } from '../../agent-runtime/src/rollout/gate-evaluation';
import { PrometheusApi } from '../../agent-runtime/src/rollout/prometheus-api';
import { Gate } from '../../agent-runtime/src/rollout/rollout-gates';
import { PrometheusServer } from '../support/prometheus-server';

/** A query that answers NaN, as a ratio over a window without tasks does. */
const NAN = 'vector(0) / vector(0)';
const CHECK: GateMoment = { atStepEnd: false, fromPercent: 75, from: 'stable' };
const STEP_END: GateMoment = { ...CHECK, atStepEnd: true };
const LAST_STEP_END: GateMoment = { ...STEP_END, fromPercent: 0 };

describe('a gate’s verdict', () => {
  let server: PrometheusServer;
  let prometheus: PrometheusApi;
  beforeAll(async () => {
    server = await PrometheusServer.start({ global: { scrape_interval: '1s' }, scrape_configs: [] }, {});
    prometheus = new PrometheusApi(server.url);
  });
  afterAll(async () => server?.stop());

  const verdict = async (gate: Partial<Gate> & { query: string }, moment: GateMoment) => (await evaluateGates(prometheus, [{ name: 'g', op: '<=', threshold: 1, ...gate }], moment))[0];

  it('passes NaN (no task in the window) during a step, and fails it at the step’s end, waiting for tasks', async () => {
    expect(await verdict({ query: NAN }, CHECK)).toMatchObject({ passed: true, judged: true });
    const end = await verdict({ query: NAN }, STEP_END);
    expect(end).toMatchObject({ passed: false, awaitingTasks: true });
    expect(describeGate(end)).toBe('g: no tasks in the window at the step’s end: nothing shows the track works');
  });

  it('skips a comparison with the from-track, with the reason, once the from-track has 0 %', async () => {
    const skipped = await verdict({ query: NAN, comparesFrom: true }, LAST_STEP_END);
    expect(skipped).toMatchObject({ passed: true });
    expect(describeGate(skipped)).toBe('g: skipped: stable has 0 %, nothing to compare with');
    expect(await verdict({ query: NAN, comparesFrom: true }, STEP_END)).toMatchObject({ passed: false, awaitingTasks: true });
  });

  it('judges a step-end gate (tasks-finished, >=) only at the step’s end', async () => {
    const gate = { query: 'vector(0)', op: '>=' as const, threshold: 1, atStepEnd: true };
    const during = await verdict(gate, CHECK);
    expect(during).toMatchObject({ passed: true, value: 0 });
    expect(describeGate(during)).toBe('g 0 (judged at the step’s end)');
    const end = await verdict(gate, STEP_END);
    expect(end).toMatchObject({ passed: false, awaitingTasks: true });
    expect(describeGate(end)).toBe('g 0 < 1');
    expect(await verdict({ ...gate, query: 'vector(3)' }, STEP_END)).toMatchObject({ passed: true, value: 3 });
  });

  it('leaves a query Prometheus cannot answer unanswered, neither passed nor failed on a value; a value over its threshold fails', async () => {
    const unreachable = await evaluateGates(new PrometheusApi('http://127.0.0.1:1'), [{ name: 'g', query: 'vector(5)', op: '<=', threshold: 1 }], STEP_END);
    expect(unreachable[0]).toMatchObject({ passed: false, judged: false, unanswered: true, value: null });
    expect(await verdict({ query: 'vector(5)' }, CHECK)).toMatchObject({ passed: false, judged: true, value: 5 });
  });
});
