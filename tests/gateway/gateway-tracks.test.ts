import { TaskState } from '@a2a-js/sdk';
import type { Task } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ENV, hiveKeys } from '../../agent-runtime/src/contract';
import { setTrackWeights } from '../support/track-weights';
import { waitFor } from '../support/agent-process';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { instructions, sendRequest, waitForState } from '../support/a2a-messages';
import { useGateway } from '../support/gateway-fixture';
import { results } from '../support/hive-streams';

const TASKS = 200;

describe('the gateway routing tasks between tracks', () => {
  const hive = useGateway('sqlite');

  it('splits tasks by the weights, records the track of each task, and every task completes on an agent of its track', async () => {
    await hive.api(() => text('done'));
    await setTrackWeights(hive.client(), hiveKeys(), 'developer', { stable: 50, green: 50 });
    await hive.startAgent('developer', 'dev-stable', { HIVE_CONCURRENCY: '8' });
    await hive.startAgent('developer', 'dev-green', { HIVE_TRACK: 'green', HIVE_CONCURRENCY: '8' });
    const gateway = await hive.startGateway({ [GATEWAY_ENV.rateLimit]: '10000', [GATEWAY_ENV.maxInFlight]: '10000' });
    const client = await hive.a2a(gateway, 'developer');

    const submitted: Task[] = [];
    for (let i = 0; i < TASKS; i++) submitted.push((await client.sendMessage(sendRequest([instructions(`Task ${i}.`)]))) as Task);
    const finished = await Promise.all(submitted.map((task) => waitForState(client, task.id, TaskState.TASK_STATE_COMPLETED, 60_000)));

    const trackOf = new Map(finished.map((task) => [task.id, (task.metadata as { track?: string }).track ?? 'stable']));
    const green = [...trackOf.values()].filter((track) => track === 'green').length;
    // Random ids, yet consecutive placements: within 2 % of the weights (hashing the ids strayed by about 7 tasks).
    expect(Math.abs(green / TASKS - 0.5)).toBeLessThanOrEqual(0.02);
    const agentOf = new Map((await results(hive.client())).map((r) => [r.taskId, r.agent]));
    for (const [id, track] of trackOf) expect(agentOf.get(id)).toBe(track === 'green' ? 'dev-green' : 'dev-stable');
  }, 120_000);

  it("cancels a task on another track than stable by its id, as on the stable one", async () => {
    // Every turn calls a tool, so only the cancel ends the task; turn 2 is slow enough to cancel during it.
    const api = await hive.api((request) => ({ ...toolUse('write_file', { path: `turn-${turnOf(request)}.txt`, content: 'x' }), delayMs: turnOf(request) === 2 ? 1_500 : 0 }));
    await setTrackWeights(hive.client(), hiveKeys(), 'developer', { stable: 0, green: 100 });
    await hive.startAgent('developer', 'dev-green', { HIVE_TRACK: 'green' });
    const gateway = await hive.startGateway();
    const client = await hive.a2a(gateway, 'developer');

    const submitted = (await client.sendMessage(sendRequest([instructions('write files forever')]))) as Task;
    expect(submitted.metadata).toMatchObject({ track: 'green' });
    await waitFor(() => api.requests.length === 2, 10_000, 'the second model call');
    await client.cancelTask({ tenant: '', id: submitted.id, metadata: undefined });
    const task = await waitForState(client, submitted.id, TaskState.TASK_STATE_CANCELED);

    expect(task.metadata).toMatchObject({ track: 'green', outcome: 'canceled', turns: 2 });
    expect(task.artifacts.map((a) => a.name).sort()).toEqual(['turn-1.txt', 'turn-2.txt']);
  });

  it('sends the legacy share to the fleet (the old system writes no results), and exports the weights and step it reads', async () => {
    await hive.api(() => text('done'));
    const redis = hive.client();
    await setTrackWeights(redis, hiveKeys(), 'developer', { legacy: 100, stable: 0 });
    await redis.hset(hiveKeys().rolloutState('developer'), { status: 'running', step: '2' });
    await hive.startAgent('developer', 'dev-stable');
    const gateway = await hive.startGateway();
    const client = await hive.a2a(gateway, 'developer');

    const submitted = (await client.sendMessage(sendRequest([instructions('Say done.')]))) as Task;
    const task = await waitForState(client, submitted.id, TaskState.TASK_STATE_COMPLETED);
    expect((task.metadata as { track?: string }).track).toBeUndefined();
    const metrics = await gateway.metrics();
    expect(metrics).toContain('hive_rollout_weight{role="developer",track="legacy"} 100');
    expect(metrics).toContain('hive_rollout_weight{role="developer",track="stable"} 0');
    expect(metrics).toContain('hive_rollout_weight{role="qa",track="stable"} 100');
    expect(metrics).toContain('hive_rollout_step{role="developer"} 2');

    await setTrackWeights(redis, hiveKeys(), 'developer', { stable: 50, green: 50 });
    await redis.hset(hiveKeys().rolloutState('developer'), { status: 'completed', step: '0' });
    await waitFor(async () => (await gateway.metrics()).includes('hive_rollout_weight{role="developer",track="green"} 50'), 2_000, 'the new weights in the metrics');
    const after = await gateway.metrics();
    expect(after).not.toContain('track="legacy"');
    expect(after).toContain('hive_rollout_step{role="developer"} 0');
  });
});
