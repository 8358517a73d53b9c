import { describe, expect, it } from 'vitest';
import { AgentProcess, waitFor } from '../support/agent-process';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { deadLetters, enqueue, pendingCount, results } from '../support/hive-streams';

const hive = useHive();

const AGENTS = 8;
const TASKS = 300;

/** A small deterministic PRNG, so a failing run can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('a fleet under chaos', () => {
  it('kill -9 every 2 s, SIGTERM every 10 s, a Redis restart and a 5 s Redis stall: every task has exactly one result, none failed or dead-lettered, nothing pending', async () => {
    const random = mulberry32(Number(process.env.CHAOS_SEED ?? 42));
    // Two turns of about 200 ms each: tasks are in flight whenever chaos strikes.
    await hive.api((request) => ({ ...(turnOf(request) === 1 ? toolUse('write_file', { path: 'out.txt', content: 'x' }) : text('done')), delayMs: 100 + Math.floor(random() * 200) }));
    const env = { HIVE_CLAIM_IDLE_MS: '1000', HIVE_SHUTDOWN_GRACE_MS: '1000', HIVE_CONCURRENCY: '2' };
    const fleet = new Set<AgentProcess>();
    let spawned = 0;
    const spawn = async () => fleet.add(await hive.startAgent('developer', `agent-developer-chaos-${spawned++}`, env));
    const victim = () => {
      const agents = [...fleet];
      const agent = agents[Math.floor(random() * agents.length)];
      fleet.delete(agent);
      return agent;
    };
    for (let i = 0; i < AGENTS; i++) await spawn();
    await Promise.all([...fleet].map((a) => a.waitForReadiness(200)));

    const client = hive.client();
    const start = Date.now();
    const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, start + ms - Date.now())));
    // Producers keep adding work through the whole chaos window, so every fault meets tasks in flight.
    const producer = (async () => {
      for (let i = 0; i < TASKS; i++) {
        await at((i * 20_000) / TASKS);
        await enqueue(client, 'developer', `chaos-${i}`, { instructions: `task ${i}` });
      }
    })();
    const chaos = (async () => {
      const events: Array<[number, () => Promise<unknown>]> = [
        [4_000, () => hive.redis.restart()],
        [9_000, () => hive.redis.stall(5_000)],
      ];
      for (let t = 2_000; t <= 20_000; t += 2_000) events.push([t, async () => (victim().kill('SIGKILL'), spawn())]);
      for (const t of [10_000, 20_000]) events.push([t + 500, async () => (victim().kill('SIGTERM'), spawn())]);
      events.sort(([a], [b]) => a - b);
      await Promise.all(events.map(async ([t, event]) => (await at(t), event())));
    })();
    await Promise.all([producer, chaos]);

    let all: Awaited<ReturnType<typeof results>> = [];
    await waitFor(async () => new Set((all = await results(client)).map((r) => r.taskId)).size >= TASKS, 120_000, `${TASKS} distinct results`);
    await new Promise((r) => setTimeout(r, 2_000)); // a late duplicate would show up now
    all = await results(client);
    const ids = all.map((r) => r.taskId);
    expect(new Set(ids).size).toBe(TASKS);
    expect(ids.length).toBe(TASKS); // no task id has two results
    expect(all.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(await deadLetters(client, 'developer')).toEqual([]);
    expect(await pendingCount(client, 'developer')).toBe(0);
    expect(spawned).toBeGreaterThanOrEqual(AGENTS + 12);
  }, 240_000);
});
