import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/agent-process';
import { RecordedRequest, ScriptedReply, text, toolUse, turnOf } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { deadLetters, enqueue, pendingCount, waitForResults } from '../support/hive-streams';

const hive = useHive();

/**
 * Three turns: two that write a file each, then the answer. The first call
 * for turn 3 hangs (the agent making it is stopped meanwhile); any later one
 * answers at once.
 */
function threeTurns(): (request: RecordedRequest) => ScriptedReply {
  let turn3Calls = 0;
  return (request) => {
    const turn = turnOf(request);
    if (turn === 1) return toolUse('write_file', { path: 'one.txt', content: 'first' });
    if (turn === 2) return toolUse('write_file', { path: 'two.txt', content: 'second' });
    return ++turn3Calls === 1 ? { ...text('never seen'), delayMs: 60_000 } : text('finished');
  };
}

const callsPerTurn = (requests: readonly RecordedRequest[]) => requests.map(turnOf);

describe('checkpoints', () => {
  it('a task whose agent is killed mid-task resumes on another agent from its last turn: no finished turn is paid twice', async () => {
    const api = await hive.api(threeTurns());
    const doomed = await hive.startAgent('developer', 'agent-developer-doomed', { HIVE_CLAIM_IDLE_MS: '1000' });
    await doomed.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-resume', { instructions: 'three turns', files: { 'seed.txt': 'given' } });
    await waitFor(() => api.requests.length === 3, 10_000, 'the call for turn 3');
    doomed.kill('SIGKILL');
    await doomed.exited;
    expect(await client.exists('hive:checkpoint:task-resume')).toBe(1);

    const heir = await hive.startAgent('developer', 'agent-developer-heir', { HIVE_CLAIM_IDLE_MS: '1000' });
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({
      taskId: 'task-resume',
      agent: 'agent-developer-heir',
      status: 'succeeded',
      output: { text: 'finished', turns: 3, files: { 'one.txt': 'first', 'two.txt': 'second' }, usage: { input_tokens: 30, output_tokens: 15 } },
    });
    // Turns 1 and 2 once each; turn 3 twice: the call in flight when the agent died, and the heir's.
    expect(callsPerTurn(api.requests)).toEqual([1, 2, 3, 3]);
    // The heir continued the very conversation the dead agent had reached.
    expect(api.requests[3].body.messages).toEqual(api.requests[2].body.messages);
    expect(await heir.waitForLog('task started')).toMatchObject({ reclaimed: true, resumedAfterTurn: 2 });
    expect(await heir.metrics()).toContain('hive_tasks_resumed_total{role="developer",track="stable"} 1');
    expect(await client.exists('hive:checkpoint:task-resume')).toBe(0);
  });

  it('a task abandoned at shutdown is given back without counting the delivery and resumes elsewhere from its checkpoint', async () => {
    const api = await hive.api(threeTurns());
    const leaving = await hive.startAgent('qa', 'agent-qa-leaving', { HIVE_SHUTDOWN_GRACE_MS: '500', HIVE_CLAIM_IDLE_MS: '1000', HIVE_MAX_DELIVERIES: '1' });
    await leaving.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-handover', { instructions: 'three turns' });
    await waitFor(() => api.requests.length === 3, 10_000, 'the call for turn 3');
    leaving.kill('SIGTERM');
    expect(await leaving.exited).toEqual({ code: 0, signal: null });
    expect(leaving.logs.find((l) => l.event === 'task released for another delivery')).toMatchObject({ reason: 'shutdown' });
    expect(await pendingCount(client, 'qa')).toBe(1);

    // HIVE_MAX_DELIVERIES is 1: had the release counted, this delivery would dead-letter the task.
    const heir = await hive.startAgent('qa', 'agent-qa-heir', { HIVE_CLAIM_IDLE_MS: '1000', HIVE_MAX_DELIVERIES: '1' });
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({ agent: 'agent-qa-heir', status: 'succeeded', output: { turns: 3, files: { 'one.txt': 'first', 'two.txt': 'second' } } });
    expect(callsPerTurn(api.requests)).toEqual([1, 2, 3, 3]);
    expect(await heir.waitForLog('task started')).toMatchObject({ deliveries: 1, resumedAfterTurn: 2 });
  });

  it('a checkpoint Redis refuses (out of memory) gives the task back without counting the delivery; it finishes once Redis has room', async () => {
    const api = await hive.api((request) =>
      turnOf(request) === 1 ? { ...toolUse('write_file', { path: 'one.txt', content: 'first' }), delayMs: 500 } : text('finished'),
    );
    const agent = await hive.startAgent('developer', 'agent-developer-oom', { HIVE_CLAIM_IDLE_MS: '1000', HIVE_MAX_DELIVERIES: '1' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-oom', { instructions: 'x' });
    await waitFor(() => api.requests.length === 1, 10_000, 'the first call');
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    await client.config('SET', 'maxmemory', '1');
    await agent.waitForLog('task released for another delivery', 10_000, (l) => l.reason === 'redis');
    await client.config('SET', 'maxmemory', '0');
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({ taskId: 'task-oom', status: 'succeeded' });
    // HIVE_MAX_DELIVERIES is 1: had a give-back counted, the task would have been dead-lettered.
    // (Retaken at once, it may meet the full Redis more than once.)
    expect(Number(/hive_tasks_released_total\{role="developer",reason="redis",track="stable"\} (\d+)/.exec(await agent.metrics())?.[1])).toBeGreaterThanOrEqual(1);
    expect(await deadLetters(client, 'developer')).toEqual([]);
  });
});

