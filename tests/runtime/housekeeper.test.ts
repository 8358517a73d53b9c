import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { createLogger } from '../../agent-runtime/src/log/logger';
import { Housekeeper } from '../../agent-runtime/src/queue/housekeeper';
import { TaskQueue } from '../../agent-runtime/src/queue/task-queue';
import { enqueue, pendingCount } from '../support/hive-streams';
import { RedisServer } from '../support/redis-server';

let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await RedisServer.start();
  redis = server.client();
});
afterEach(async () => void (await redis.flushall()));
afterAll(async () => {
  redis.disconnect();
  await server.destroy();
});

const quiet = createLogger({}, [], () => undefined);
const housekeeper = (streamMaxLength = 100) => new Housekeeper(redis, { claimIdleMs: 60_000, maxDeliveries: 5, streamMaxLength, consumer: 'agent-meta-1' }, quiet);

describe("meta's housekeeping", () => {
  it('measures each role’s backlog as undelivered plus unacknowledged tasks', async () => {
    const queue = new TaskQueue(redis, redis, 'developer', 'agent-developer-1');
    await queue.ensureGroup();
    for (let i = 0; i < 5; i++) await enqueue(redis, 'developer', `t${i}`, { instructions: 'x' });
    await queue.readNew(2, 100);
    const report = await housekeeper().run();
    expect(report.backlog).toEqual({ architect: 0, developer: 5, qa: 0, meta: 0 });
    expect(await pendingCount(redis, 'developer')).toBe(2);
  });

  it('trims acknowledged tasks but keeps every pending and undelivered one', async () => {
    const queue = new TaskQueue(redis, redis, 'qa', 'agent-qa-1');
    await queue.ensureGroup();
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) ids.push(await enqueue(redis, 'qa', `t${i}`, { instructions: 'x' }));
    const taken = await queue.readNew(250, 100);
    // All but the 211th acknowledged: it stays pending, so nothing from it on may go.
    // Trimming is approximate (whole stream nodes of 100 entries), as it should be for a hot stream.
    for (const delivery of taken) {
      if (delivery.entryId !== ids[210]) await queue.complete(delivery.entryId, delivery.fields.id, { status: 'succeeded', output: { text: '', files: {}, usage: { input_tokens: 0, output_tokens: 0 }, turns: 1 } });
    }
    await housekeeper().run();
    const left = (await redis.xrange('hive:tasks:qa', '-', '+')).map(([id]) => id);
    expect(left).toEqual(expect.arrayContaining(ids.slice(210)));
    expect(left.length).toBeLessThanOrEqual(100);
    // The 250 results stay until the result stream exceeds its length.
    expect(await redis.xlen('hive:results')).toBeLessThanOrEqual(249);
  });

  it('trims the results stream to about its maximum length', async () => {
    for (let i = 0; i < 1000; i++) await redis.xadd('hive:results', '*', 'taskId', `r${i}`);
    await housekeeper(100).run();
    const length = await redis.xlen('hive:results');
    expect(length).toBeLessThan(1000);
    expect(length).toBeGreaterThanOrEqual(100);
  });

  it('forgets consumers with nothing pending that have been idle for long', async () => {
    const queue = new TaskQueue(redis, redis, 'architect', 'agent-architect-gone');
    await queue.ensureGroup();
    await queue.readNew(1, 10);
    const keeper = new Housekeeper(redis, { claimIdleMs: 10, maxDeliveries: 5, streamMaxLength: 100, consumer: 'agent-meta-1' }, quiet);
    await new Promise((r) => setTimeout(r, 150));
    await keeper.run();
    const consumers = (await redis.xinfo('CONSUMERS', 'hive:tasks:architect', 'architect')) as unknown[][];
    expect(consumers.map((c) => c[1])).not.toContain('agent-architect-gone');
  });
});
