import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/agent-process';
import { text } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { enqueue, pendingCount, results, waitForResults } from '../support/hive-streams';

const hive = useHive();

const GRACE_MS = 2_000;

describe('shutdown while Redis is down', () => {
  it('publishes a finished result once Redis is back within the grace period, without calling the API again', async () => {
    const api = await hive.api(() => ({ ...text('finished while Redis was away'), delayMs: 500 }));
    const agent = await hive.startAgent('developer', 'agent-developer-patient', { HIVE_SHUTDOWN_GRACE_MS: String(GRACE_MS * 3) });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-patient', { instructions: 'x' });
    await waitFor(() => api.requests.length === 1, 10_000, 'the call');
    await hive.redis.stop();
    agent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, GRACE_MS));
    await hive.redis.restart();
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({ taskId: 'task-patient', agent: 'agent-developer-patient', status: 'succeeded' });
    expect(api.requests).toHaveLength(1);
    expect(await pendingCount(client, 'developer')).toBe(0);
  });

  it('exits within the grace period plus a few seconds when Redis stays down, and the next agent finishes the task once', async () => {
    const api = await hive.api(() => ({ ...text('done'), delayMs: 500 }));
    const agent = await hive.startAgent('developer', 'agent-developer-leaving', { HIVE_SHUTDOWN_GRACE_MS: String(GRACE_MS) });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-stranded', { instructions: 'x' });
    await waitFor(() => api.requests.length === 1, 10_000, 'the call');
    await hive.redis.stop();
    const signalledAt = Date.now();
    agent.kill('SIGTERM');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    // Grace, then at most 3 s for the tasks' give-back and 1 s for QUIT, each bounded while Redis is away.
    expect(Date.now() - signalledAt).toBeLessThan(GRACE_MS + 5_000);

    await hive.redis.restart();
    const heir = await hive.startAgent('developer', 'agent-developer-heir');
    await waitFor(async () => (await results(client)).length === 1, 15_000, 'the result');
    expect(await results(client)).toMatchObject([{ taskId: 'task-stranded', agent: 'agent-developer-heir', status: 'succeeded' }]);
    expect(await pendingCount(client, 'developer')).toBe(0);
    // The one-turn task had no checkpoint yet: its turn is paid again (a longer task resumes at its last turn).
    expect(api.requests).toHaveLength(2);
    expect(heir.logs.filter((l) => l.event === 'task started')).toHaveLength(1);
  });

  it('exits promptly from an idle agent whose reclaim round waits for Redis', async () => {
    await hive.api(() => text('unused'));
    const agent = await hive.startAgent('qa', 'agent-qa-idle', { HIVE_CONCURRENCY: '2', HIVE_CLAIM_IDLE_MS: '1000' });
    await agent.waitForReadiness(200);
    await hive.redis.stop();
    // Long enough for a reclaim round (every 500 ms here) to be queued behind the outage.
    await new Promise((r) => setTimeout(r, 2_000));
    const signalledAt = Date.now();
    agent.kill('SIGTERM');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(6_000);
    await hive.redis.restart();
  });
});

