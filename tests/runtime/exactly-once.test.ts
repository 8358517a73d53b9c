import Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { hiveKeys } from '../../agent-runtime/src/contract';
import { TaskQueue } from '../../agent-runtime/src/queue/task-queue';
import { waitFor } from '../support/agent-process';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { deadLetters, enqueue, pendingCount, results, waitForResults } from '../support/hive-streams';

const hive = useHive();
const output = { text: 'x', files: {}, usage: { input_tokens: 1, output_tokens: 1 }, turns: 1 };

/** The qa stream as one consumer sees it, driven directly rather than through an agent. */
const qaQueue = (client: Redis, consumer: string) => new TaskQueue(client, client, { keys: hiveKeys(), role: 'qa', consumer, resultTtlSeconds: 60 });

/** Enqueues a qa task and delivers it to `queue`'s consumer. */
async function deliverTo(queue: TaskQueue, client: Redis, taskId: string) {
  await queue.ensureGroup();
  await enqueue(client, 'qa', taskId, { instructions: 'x' });
  const [delivery] = await queue.readNew(1, 100);
  return delivery;
}

describe('exactly one result per task id', () => {
  it('a completion sent twice (as ioredis re-sends after a reconnect) adds one result', async () => {
    const client = hive.client();
    const queue = qaQueue(client, 'agent-qa-1');
    const delivery = await deliverTo(queue, client, 'task-twice');
    const first = await queue.complete(delivery.entryId, 'task-twice', { status: 'succeeded', output }, 0);
    const second = await queue.complete(delivery.entryId, 'task-twice', { status: 'failed', output }, 0);
    expect([first.written, second.written]).toEqual([true, false]);
    const published = await results(client);
    expect(published.map((r) => [r.taskId, r.status])).toEqual([['task-twice', 'succeeded']]);
    expect(await client.hgetall('hive:result:task-twice')).toMatchObject({ taskId: 'task-twice', status: 'succeeded', resultEntryId: published[0].entryId });
    expect(await client.ttl('hive:result:task-twice')).toBeGreaterThan(50);
    expect(await pendingCount(client, 'qa')).toBe(0);
  });

  it('a completion from an agent whose entry another agent took over writes nothing; the new owner publishes', async () => {
    const client = hive.client();
    const [stalled, heir] = [qaQueue(client, 'agent-qa-stalled'), qaQueue(client, 'agent-qa-heir')];
    const delivery = await deliverTo(stalled, client, 'task-taken');
    await client.xclaim('hive:tasks:qa', 'qa', 'agent-qa-heir', 0, delivery.entryId, 'JUSTID');
    expect(await stalled.complete(delivery.entryId, 'task-taken', { status: 'succeeded', output }, 0)).toMatchObject({ written: false, lost: true });
    expect(await results(client)).toEqual([]);
    expect(await pendingCount(client, 'qa')).toBe(1);
    expect(await heir.complete(delivery.entryId, 'task-taken', { status: 'succeeded', output: { ...output, text: 'heir' } }, 0)).toMatchObject({ written: true, lost: false });
    expect((await results(client)).map((r) => [r.taskId, r.output.text])).toEqual([['task-taken', 'heir']]);
  });

  it('a dead-letter step sent twice adds one dead letter and one result', async () => {
    const client = hive.client();
    const queue = qaQueue(client, 'agent-qa-1');
    const delivery = await deliverTo(queue, client, 'task-poison');
    const reason = 'delivered 6 times';
    expect(await queue.deadLetter(delivery, reason, 'task-poison', { ...output, error: reason })).toBe(true);
    expect(await queue.deadLetter(delivery, reason, 'task-poison', { ...output, error: reason })).toBe(false);
    expect(await deadLetters(client, 'qa')).toHaveLength(1);
    expect((await results(client)).map((r) => r.status)).toEqual(['dead_lettered']);
  });

  it('a re-submitted task id is acknowledged without work even after the results stream was trimmed', async () => {
    const api = await hive.api(() => text('once'));
    const agent = await hive.startAgent('developer', 'agent-developer-resubmit');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-again', { instructions: 'x' });
    await waitForResults(client, 1);
    await client.xtrim('hive:results', 'MAXLEN', 0);
    await enqueue(client, 'developer', 'task-again', { instructions: 'x' });
    await agent.waitForLog('task already has a result; acknowledged without processing');
    expect(await results(client)).toEqual([]);
    expect(api.requests).toHaveLength(1);
    expect(await pendingCount(client, 'developer')).toBe(0);
  });

  it('an id enqueued twice back to back is worked once: the second entry, read in the same round trip as the first one’s result, is only acknowledged', async () => {
    const api = await hive.api(() => text('once'));
    const client = hive.client();
    await client.xgroup('CREATE', 'hive:tasks:developer', 'developer', '0', 'MKSTREAM');
    await enqueue(client, 'developer', 'task-twice-queued', { instructions: 'x' });
    await enqueue(client, 'developer', 'task-twice-queued', { instructions: 'x' });
    await enqueue(client, 'developer', 'task-after', { instructions: 'x' });
    const agent = await hive.startAgent('developer', 'agent-developer-twice', { HIVE_CONCURRENCY: '1' });
    await waitForResults(client, 2);
    await agent.waitForLog('task already has a result; acknowledged without processing');
    expect((await results(client)).map((r) => r.taskId)).toEqual(['task-twice-queued', 'task-after']);
    expect(api.requests).toHaveLength(2);
    expect(await pendingCount(client, 'developer')).toBe(0);
  });

  it('an agent that lost its entry to another agent stops its run without publishing; only the new owner publishes', async () => {
    // The first call (agent A's) hangs 3 s; every other call answers at once.
    const api = await hive.api((request, call) =>
      call === 1 ? { ...toolUse('write_file', { path: 'a.txt', content: 'A' }), delayMs: 3_000 } : turnOf(request) === 1 ? toolUse('write_file', { path: 'a.txt', content: 'B' }) : text('done by B'),
    );
    const a = await hive.startAgent('developer', 'agent-developer-a', { HIVE_CLAIM_IDLE_MS: '1000' });
    await a.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-race', { instructions: 'x' });
    await waitFor(() => api.requests.length === 1, 10_000, "A's first call");
    // A stalls (stops renewing); B takes the entry over and finishes it.
    a.kill('SIGSTOP');
    const b = await hive.startAgent('developer', 'agent-developer-b', { HIVE_CLAIM_IDLE_MS: '1000' });
    const [result] = await waitForResults(client, 1);
    a.kill('SIGCONT');
    await a.waitForLog('task lost to another agent; stopped without publishing');
    expect(result).toMatchObject({ taskId: 'task-race', agent: 'agent-developer-b', status: 'succeeded', output: { text: 'done by B', files: { 'a.txt': 'B' } } });
    // A made no call after it found the task lost: its first, then B's two.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(api.requests).toHaveLength(3);
    expect(await results(client)).toHaveLength(1);
    expect(await b.metrics()).toContain('hive_tasks_total{role="developer",outcome="succeeded",track="stable"} 1');
    expect(await a.metrics()).toContain('hive_orchestrator_errors_total{role="developer",kind="lost",track="stable"} 1');
  });

  it('an agent that stalled past the claim timeout never runs its own entry twice at once', async () => {
    const api = await hive.api((request, call) => (call === 1 ? { ...toolUse('list_directory', {}), delayMs: 2_500 } : turnOf(request) === 2 ? text('done') : text('unexpected')));
    const agent = await hive.startAgent('qa', 'agent-qa-stall', { HIVE_CLAIM_IDLE_MS: '500', HIVE_CONCURRENCY: '2' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-stall', { instructions: 'x' });
    await waitFor(() => api.requests.length === 1, 10_000, 'the first call');
    agent.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 1_500));
    agent.kill('SIGCONT');
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({ taskId: 'task-stall', status: 'succeeded', output: { turns: 2 } });
    expect(agent.logs.filter((l) => l.event === 'task started')).toHaveLength(1);
    expect(api.requests).toHaveLength(2);
  });
});
