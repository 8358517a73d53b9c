import { describe, expect, it } from 'vitest';
import { AgentProcess, waitFor } from '../support/agent-process';
import { apiError, text, toolUse, turnOf } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { deadLetters, enqueue, pendingCount, results } from '../support/hive-streams';

const hive = useHive();

const AGENTS = 3;
const TASKS = 30;
/**
 * Ten minutes of 529s in compressed time: the breaker's periods are scaled
 * from the defaults (5 s first, 300 s longest) by 1/100, so 6 s of outage
 * spans as many open periods and probes as ten minutes would in production.
 */
const OUTAGE_MS = 6_000;
const COMPRESSED = { HIVE_LLM_BREAKER_OPEN_MS: '50', HIVE_LLM_BREAKER_MAX_OPEN_MS: '3000', HIVE_LLM_BREAKER_FAILURES: '3' };

/** A 529 whose retry-after-ms compresses the SDK's own backoff (about 7.5 s over its retries) likewise. */
function overloaded() {
  const reply = apiError(529, 'overloaded_error', 'Overloaded');
  return { ...reply, headers: { ...reply.headers, 'retry-after-ms': '20' } };
}

const circuitState = async (agent: AgentProcess, role = 'developer') => Number(new RegExp(`hive_llm_circuit_state\\{role="${role}",track="stable"\\} (\\d)`).exec(await agent.metrics())?.[1]);

/** A qa agent that sees the breaker as an outage left it: open, its period over, no task waiting. */
async function qaAgentAfterAnOutage(name: string) {
  const agent = await hive.startAgent('qa', name, COMPRESSED);
  await agent.waitForReadiness(200);
  const client = hive.client();
  const [seconds] = await client.time();
  await client.hset('hive:breaker:qa', { state: 'open', openUntil: Number(seconds) * 1000, openMs: 50, failures: 3 });
  await waitFor(async () => (await circuitState(agent, 'qa')) > 0, 10_000, 'the agent seeing the breaker');
  return { agent, client };
}

describe('a Messages API outage', () => {
  it('opens the shared breaker, keeps the agents ready, stops the calls, dead-letters nothing, and finishes every task once the API is back', async () => {
    let down = true;
    const api = await hive.api(() => (down ? overloaded() : text('done')));
    const fleet: AgentProcess[] = [];
    // HIVE_MAX_DELIVERIES 2: a release that counted would dead-letter a task on its third attempt.
    for (let i = 0; i < AGENTS; i++) fleet.push(await hive.startAgent('developer', `agent-developer-outage-${i}`, { ...COMPRESSED, HIVE_MAX_DELIVERIES: '2', HIVE_CLAIM_IDLE_MS: '1000' }));
    await Promise.all(fleet.map((a) => a.waitForReadiness(200)));
    const client = hive.client();
    for (let i = 0; i < TASKS; i++) await enqueue(client, 'developer', `outage-${i}`, { instructions: `task ${i}` });

    // Through the outage: every agent stays ready, and each one sees the breaker open (2) or probing (1).
    const sawOpen = new Set<string>();
    const outageEnds = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnds) {
      for (const agent of fleet) {
        expect((await agent.get('/readyz')).status).toBe(200);
        if ((await circuitState(agent)) > 0) sawOpen.add(agent.env.POD_NAME);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const callsDuringOutage = api.requests.length;
    down = false;

    await waitFor(async () => (await results(client)).length >= TASKS, 30_000, `${TASKS} results`);
    const all = await results(client);
    expect(all).toHaveLength(TASKS);
    expect(new Set(all.map((r) => r.taskId)).size).toBe(TASKS);
    expect(all.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(await deadLetters(client, 'developer')).toEqual([]);
    expect(await pendingCount(client, 'developer')).toBe(0);
    expect(sawOpen.size).toBe(AGENTS);
    // Without the breaker each agent would call without pause (5 calls per attempt, about 100 ms apart with the compressed backoff):
    // thousands of calls. With it, a few attempts open it and then one probe per open period.
    expect(callsDuringOutage).toBeLessThan(150);
    const released = await Promise.all(fleet.map(async (a) => Number(/hive_tasks_released_total\{role="developer",reason="llm_unavailable",track="stable"\} (\d+)/.exec(await a.metrics())?.[1] ?? 0)));
    expect(released.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await waitFor(async () => (await Promise.all(fleet.map((a) => circuitState(a)))).every((s) => s === 0), 5_000, 'the breaker closed on every agent');
  }, 60_000);

  it('a probe that finds the queue empty gives way, so a task that comes later is taken at once, not after the probe timeout', async () => {
    const api = await hive.api(() => text('done'));
    const { agent, client } = await qaAgentAfterAnOutage('agent-qa-prober');
    await new Promise((r) => setTimeout(r, 1_000));
    const enqueuedAt = Date.now();
    await enqueue(client, 'qa', 'after-the-outage', { instructions: 'x' });
    await waitFor(async () => (await results(client)).length === 1, 10_000, 'the result');
    expect(Date.now() - enqueuedAt).toBeLessThan(5_000);
    expect(api.requests).toHaveLength(1);
    await waitFor(async () => (await circuitState(agent, 'qa')) === 0, 5_000, 'the breaker closed');
  });

  it('closes the breaker at the probe task’s first answered turn, not when the whole task is done', async () => {
    await hive.api((request) => (turnOf(request) === 1 ? toolUse('list_directory', {}) : { ...text('done'), delayMs: 3_000 }));
    const { client } = await qaAgentAfterAnOutage('agent-qa-long-probe');
    await enqueue(client, 'qa', 'long-probe', { instructions: 'two turns, the second slow' });
    await waitFor(async () => (await client.exists('hive:breaker:qa')) === 0, 2_500, 'the breaker closed');
    expect(await results(client)).toEqual([]);
    await waitFor(async () => (await results(client)).length === 1, 10_000, 'the result');
  });

  it('a probe task that never reaches the API (a malformed entry) gives the probe up at once', async () => {
    const api = await hive.api(() => text('done'));
    const { client, agent } = await qaAgentAfterAnOutage('agent-qa-malformed-probe');
    // Probing already (on an empty queue), so the malformed entry is what the next probe reads.
    await agent.waitForLog('llm circuit breaker changed', 10_000, (l) => l.state === 'half-open');
    await enqueue(client, 'qa', '', null, ['id', 'broken', 'payload', '{not json']);
    const enqueuedAt = Date.now();
    await enqueue(client, 'qa', 'after-the-malformed-one', { instructions: 'x' });
    await waitFor(async () => (await results(client)).some((r) => r.taskId === 'after-the-malformed-one'), 15_000, 'the good task’s result');
    // Not the probe timeout (120 s): a probe per read once the malformed one is dead-lettered.
    expect(Date.now() - enqueuedAt).toBeLessThan(10_000);
    expect(api.requests).toHaveLength(1);
  });
});

