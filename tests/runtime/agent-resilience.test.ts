import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/agent-process';
import { BlackholeProxy } from '../support/blackhole-proxy';
import { text } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { enqueue, pendingCount, results, waitForResults } from '../support/hive-streams';

const hive = useHive();

/** A script whose first call of a task hangs (the model "thinks") until released. */
function slowFirstCall(delayMs: number) {
  return (_: unknown, call: number) => (call === 1 ? { ...text('slow answer'), delayMs } : text('done'));
}

describe('an agent under failure', () => {
  it('loses nothing when killed with -9 mid-task: a live agent reclaims the task and finishes it', async () => {
    const api = await hive.api(slowFirstCall(60_000));
    const doomed = await hive.startAgent('developer', 'agent-developer-doomed', { HIVE_CLAIM_IDLE_MS: '1000' });
    await doomed.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-crash', { instructions: 'do it' });
    await waitFor(() => api.requests.length === 1, 10_000, 'the first LLM call');
    doomed.kill('SIGKILL');
    await doomed.exited;
    expect(await results(client)).toEqual([]);
    expect(await pendingCount(client, 'developer')).toBe(1);

    const survivor = await hive.startAgent('developer', 'agent-developer-survivor', { HIVE_CLAIM_IDLE_MS: '1000' });
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({ taskId: 'task-crash', status: 'succeeded', agent: 'agent-developer-survivor' });
    expect(await pendingCount(client, 'developer')).toBe(0);
    const started = await survivor.waitForLog('task started');
    expect(started).toMatchObject({ reclaimed: true, deliveries: 2 });
  });

  it('renews a long task so no other agent steals it while its agent lives', async () => {
    await hive.api(slowFirstCall(4_000));
    const worker = await hive.startAgent('qa', 'agent-qa-worker', { HIVE_CLAIM_IDLE_MS: '1000' });
    const other = await hive.startAgent('qa', 'agent-qa-other', { HIVE_CLAIM_IDLE_MS: '1000' });
    await Promise.all([worker.waitForReadiness(200), other.waitForReadiness(200)]);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-long', { instructions: 'take your time' });
    const [result] = await waitForResults(client, 1);
    expect(result.status).toBe('succeeded');
    const starts = [...worker.logs, ...other.logs].filter((l) => l.event === 'task started');
    expect(starts).toHaveLength(1);
    expect(starts[0].reclaimed).toBe(false);
  });

  it('on SIGTERM stops taking tasks, turns unready, finishes the task in flight within the grace period and exits 0', async () => {
    await hive.api(slowFirstCall(1_500));
    const agent = await hive.startAgent('architect', 'agent-architect-a', { HIVE_SHUTDOWN_GRACE_MS: '10000' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'architect', 'task-drain', { instructions: 'design' });
    await agent.waitForLog('task started');
    agent.kill('SIGTERM');
    await agent.waitForReadiness(503, 2_000);
    await enqueue(client, 'architect', 'task-after-term', { instructions: 'too late' });
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const all = await results(client);
    expect(all.map((r) => r.taskId)).toEqual(['task-drain']);
    // The task that came after SIGTERM was never taken: it waits for the next agent.
    expect(await pendingCount(client, 'architect')).toBe(0);
    expect(await client.xlen('hive:tasks:architect')).toBe(2);
  });

  it('leaves a task that outlives the grace period pending, unacknowledged, for another agent', async () => {
    await hive.api(slowFirstCall(60_000));
    const agent = await hive.startAgent('developer', 'agent-developer-short', { HIVE_SHUTDOWN_GRACE_MS: '1000', HIVE_CLAIM_IDLE_MS: '1000' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-too-long', { instructions: 'forever' });
    await agent.waitForLog('task started');
    agent.kill('SIGTERM');
    expect((await agent.exited).code).toBe(0);
    expect(await results(client)).toEqual([]);
    expect(await pendingCount(client, 'developer')).toBe(1);

    await hive.startAgent('developer', 'agent-developer-next', { HIVE_CLAIM_IDLE_MS: '1000' });
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({ taskId: 'task-too-long', status: 'succeeded', agent: 'agent-developer-next' });
  });

  it('exits at once on a second signal', async () => {
    await hive.api(slowFirstCall(60_000));
    const agent = await hive.startAgent('qa', 'agent-qa-twice', { HIVE_SHUTDOWN_GRACE_MS: '30000' });
    await agent.waitForReadiness(200);
    await enqueue(hive.client(), 'qa', 'task-stuck', { instructions: 'stuck' });
    await agent.waitForLog('task started');
    agent.kill('SIGTERM');
    await agent.waitForLog('draining');
    const before = Date.now();
    agent.kill('SIGINT');
    expect((await agent.exited).code).toBe(1);
    expect(Date.now() - before).toBeLessThan(2_000);
  });

  it('turns unready while Redis is down, recovers by itself when it returns, and loses no task', async () => {
    await hive.api(() => text('done'));
    const agents = await Promise.all([hive.startAgent('qa', 'agent-qa-1'), hive.startAgent('qa', 'agent-qa-2')]);
    await Promise.all(agents.map((a) => a.waitForReadiness(200)));
    const client = hive.client();
    await enqueue(client, 'qa', 'task-before', { instructions: 'before' });
    await waitForResults(client, 1);

    await hive.redis.stop();
    await Promise.all(agents.map((a) => a.waitForReadiness(503, 10_000)));
    expect(await agents[0].metrics()).toContain('hive_agent_ready{role="qa",track="stable"} 0');
    await hive.redis.restart();
    await Promise.all(agents.map((a) => a.waitForReadiness(200, 15_000)));

    for (let i = 0; i < 6; i++) await enqueue(client, 'qa', `task-after-${i}`, { instructions: 'after' });
    const all = await waitForResults(client, 7, 20_000);
    expect(all.map((r) => r.taskId).sort()).toEqual(['task-after-0', 'task-after-1', 'task-after-2', 'task-after-3', 'task-after-4', 'task-after-5', 'task-before']);
    expect(await pendingCount(client, 'qa')).toBe(0);
  });

  it('comes up unready when Redis is not there yet and becomes ready when it appears', async () => {
    await hive.api(() => text('done'));
    await hive.redis.stop();
    const agent = await hive.startAgent('meta', 'agent-meta-early');
    await agent.waitForLog('listening');
    expect((await agent.get('/readyz')).status).toBe(503);
    expect((await agent.get('/healthz')).status).toBe(200);
    await hive.redis.restart();
    await agent.waitForReadiness(200, 15_000);
  });

  it('fails liveness after the event loop stalled (the process was stopped) and recovers', async () => {
    await hive.api(() => text('done'));
    const agent = await hive.startAgent('qa', 'agent-qa-stall', { HIVE_EVENT_LOOP_BLOCK_MS: '500' });
    await agent.waitForReadiness(200);
    expect((await agent.get('/healthz')).status).toBe(200);
    agent.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 1_500));
    agent.kill('SIGCONT');
    const stalled = await agent.get('/healthz');
    expect(stalled.status).toBe(503);
    expect(stalled.body).toMatch(/event loop stalled for \d+ ms/);
    await waitFor(async () => (await agent.get('/healthz')).status === 200, 5_000, 'liveness to recover');
  });

  it('answers 404 for anything but the probes and /metrics', async () => {
    await hive.api(() => text('done'));
    const agent = await hive.startAgent('qa', 'agent-qa-404');
    await agent.waitForReadiness(200);
    expect((await agent.get('/')).status).toBe(404);
    expect((await agent.get('/metrics')).status).toBe(404);
    expect((await agent.get('/healthz', agent.metricsPort)).status).toBe(404);
  });
});

describe('an agent whose Redis connections die silently', () => {
  it('notices through the read watchdog and a PING, turns unready, reconnects by itself and takes tasks again', async () => {
    await hive.api(() => text('done'));
    const proxy = await BlackholeProxy.start(hive.redis.port);
    try {
      const agent = await hive.startAgent('developer', 'agent-developer-blackhole', { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
      await agent.waitForReadiness(200);
      expect(proxy.blackholeOpenConnections()).toBe(2);

      await agent.waitForReadiness(503, 10_000);
      await agent.waitForLog('redis did not answer a PING; reconnecting', 10_000);
      await agent.waitForLog('reading tasks failed; retrying', 10_000, (l) => String(l.error).includes('blocking read did not return'));
      await agent.waitForReadiness(200, 15_000);

      const client = hive.client();
      await enqueue(client, 'developer', 'task-after-blackhole', { instructions: 'x' });
      const [result] = await waitForResults(client, 1);
      expect(result).toMatchObject({ taskId: 'task-after-blackhole', status: 'succeeded' });
    } finally {
      await proxy.stop();
    }
  }, 45_000);
});
