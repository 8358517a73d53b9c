import { TaskState } from '@a2a-js/sdk';
import type { Task } from '@a2a-js/sdk';
import { Client as PgClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/agent-process';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { instructions, sendRequest, waitForState } from '../support/a2a-messages';
import { useGateway } from '../support/gateway-fixture';

const hive = useGateway('postgres');

/** The task's state as the history in PostgreSQL holds it, read straight from the table. */
async function storedState(databaseUrl: string, id: string): Promise<string | undefined> {
  const db = new PgClient({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query('select status_state from tasks where id = $1', [id])).rows[0]?.status_state;
  } finally {
    await db.end();
  }
}

describe('gateway resilience', () => {
  it('completes a task in the history although the gateway that accepted it was killed mid-task', async () => {
    await hive.api((request) => (turnOf(request) === 1 ? { ...toolUse('write_file', { path: 'a.txt', content: 'a' }), delayMs: 1_000 } : text('done')));
    await hive.startAgent('developer', 'dev-1');
    const first = await hive.startGateway();
    const task = (await (await hive.a2a(first, 'developer')).sendMessage(sendRequest([instructions('write a')]))) as Task;
    first.kill('SIGKILL');
    await first.exited;

    const second = await hive.startGateway();
    // Straight from the table, not through GetTask (which would also look at Redis): the reconciler wrote it.
    await waitFor(async () => (await storedState(second.env.DATABASE_URL, task.id)) === 'TASK_STATE_COMPLETED', 15_000, 'the stored task to complete');
    const stored = await (await hive.a2a(second, 'developer')).getTask({ tenant: '', id: task.id });
    expect(stored.artifacts.map((a) => a.name)).toEqual(['a.txt']);
    expect(await hive.client().scard('hive:inflight:alice')).toBe(0);
  });

  it('keeps results pending while PostgreSQL is down and stores every one after it restarts', async () => {
    await hive.api((request) => (turnOf(request) === 1 ? { ...toolUse('write_file', { path: 'a.txt', content: 'a' }), delayMs: 1_500 } : text('done')));
    await hive.startAgent('developer', 'dev-1', { HIVE_CONCURRENCY: '5' });
    const gateway = await hive.startGateway();
    const client = await hive.a2a(gateway, 'developer');
    const tasks = await Promise.all(Array.from({ length: 5 }, (_, i) => client.sendMessage(sendRequest([instructions(`task ${i}`)])) as Promise<Task>));
    await hive.postgres!.stop();
    await waitFor(async () => (await hive.client().xlen('hive:results')) === 5, 15_000, 'five results in Redis');
    await waitFor(async () => /hive_gateway_results_pending [1-9]/.test(await gateway.metrics()), 10_000, 'results pending');
    await gateway.waitForReadiness(503);

    await hive.postgres!.restart();
    for (const task of tasks) await waitFor(async () => (await storedState(gateway.env.DATABASE_URL, task.id)) === 'TASK_STATE_COMPLETED', 15_000, `task ${task.id} stored`);
    await gateway.waitForReadiness(200);
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/hive_gateway_results_pending 0/);
    expect(metrics).toMatch(/hive_gateway_results_stored_total\{outcome="succeeded"\} 5/);
    const redis = hive.client();
    const pending = (await redis.xpending('hive:results', 'gateway')) as [number];
    expect(pending[0]).toBe(0);
    for (const task of tasks) await waitForState(client, task.id, TaskState.TASK_STATE_COMPLETED);
  }, 60_000);
});

describe('task history retention', () => {
  it('deletes finished tasks older than HIVE_TASK_RETENTION_DAYS at gateway start and every hour', async () => {
    await hive.api(() => text('done'));
    await hive.startAgent('developer', 'dev-1');
    const gateway = await hive.startGateway({ HIVE_TASK_RETENTION_DAYS: '2' });
    const client = await hive.a2a(gateway, 'developer');
    const [old, recent] = await Promise.all([0, 1].map(() => client.sendMessage(sendRequest([instructions('work')])) as Promise<Task>));
    for (const task of [old, recent]) await waitForState(client, task.id, TaskState.TASK_STATE_COMPLETED);
    const db = new PgClient({ connectionString: gateway.env.DATABASE_URL });
    await db.connect();
    await db.query('update tasks set status_last_updated = $1 where id = $2', [Date.now() - 3 * 86_400_000, old.id]);
    await db.end();

    const next = await hive.startGateway({ HIVE_TASK_RETENTION_DAYS: '2' });
    await next.waitForLog('expired tasks deleted');
    const nextClient = await hive.a2a(next, 'developer');
    await expect(nextClient.getTask({ tenant: '', id: old.id })).rejects.toThrow(/not found/);
    expect((await nextClient.getTask({ tenant: '', id: recent.id })).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});

describe('the gateway while Redis is down', () => {
  it('still answers for finished tasks from the history, and shuts down in time', async () => {
    await hive.api(() => text('done'));
    await hive.startAgent('developer', 'dev-1');
    const gateway = await hive.startGateway();
    const client = await hive.a2a(gateway, 'developer');
    const task = (await client.sendMessage(sendRequest([instructions('work')]))) as Task;
    await waitFor(async () => (await storedState(gateway.env.DATABASE_URL, task.id)) === 'TASK_STATE_COMPLETED', 15_000, 'the stored task to complete');

    await hive.redis.stop();
    try {
      const started = Date.now();
      expect((await client.getTask({ tenant: '', id: task.id })).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(Date.now() - started).toBeLessThan(3_000);
      await gateway.waitForReadiness(503);
      const stopping = Date.now();
      gateway.kill('SIGTERM');
      expect((await gateway.exited).code).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(10_000);
    } finally {
      await hive.redis.restart();
    }
  }, 30_000);
});
