import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { AgentRole, hiveKeys } from '../../agent-runtime/src/contract';
import { createLogger } from '../../agent-runtime/src/log/logger';
import { Housekeeper, HousekeeperOptions } from '../../agent-runtime/src/queue/housekeeper';
import { withScripts } from '../../agent-runtime/src/queue/queue-scripts';
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

const quiet = createLogger({ base: {}, secrets: [], level: 'error', destination: { write: () => undefined } });
const keys = hiveKeys();
const housekeeper = (options: Partial<HousekeeperOptions> = {}) =>
  new Housekeeper(withScripts(redis), { keys, claimIdleMs: 60_000, maxDeliveries: 5, streamMaxLength: 100, consumer: 'agent-meta-1', resultTtlSeconds: 3600, ...options }, quiet);
const queueOf = (role: AgentRole, consumer: string, track?: string) => new TaskQueue(redis, redis, { keys, role, track, consumer, resultTtlSeconds: 3600 });
/** Each stream's backlog as `<role>:<track>`. */
const backlogs = (report: Awaited<ReturnType<Housekeeper['run']>>) => Object.fromEntries(report.streams.map((s) => [`${s.role}:${s.track}`, s.backlog]));

describe("meta's housekeeping", () => {
  it('measures each role’s backlog as undelivered plus unacknowledged tasks', async () => {
    const queue = queueOf('developer', 'agent-developer-1');
    await queue.ensureGroup();
    for (let i = 0; i < 5; i++) await enqueue(redis, 'developer', `t${i}`, { instructions: 'x' });
    await queue.readNew(2, 100);
    const report = await housekeeper().run();
    expect(backlogs(report)).toEqual({ 'architect:stable': 0, 'developer:stable': 5, 'qa:stable': 0, 'meta:stable': 0 });
    expect(await pendingCount(redis, 'developer')).toBe(2);
  });

  it('keeps the stream of every track it is told of: backlog, stale dead letters and trimming, apart from the stable stream', async () => {
    const green = queueOf('developer', 'agent-developer-green-1', 'green');
    await green.ensureGroup();
    for (let i = 0; i < 4; i++) await redis.xadd(keys.tasks('developer', 'green'), '*', 'id', `g${i}`, 'payload', '{"instructions":"x"}');
    await enqueue(redis, 'developer', 's0', { instructions: 'x' });
    // g0 was delivered as often as allowed and its agents stopped renewing it.
    const [stale] = await green.readNew(1, 100);
    for (let i = 1; i < 5; i++) await redis.xclaim(keys.tasks('developer', 'green'), 'developer', 'agent-developer-green-1', 0, stale.entryId);
    const keeper = housekeeper({ claimIdleMs: 10, tracks: [{ role: 'developer', track: 'green' }, { role: 'qa', track: 'canary' }] });
    await new Promise((r) => setTimeout(r, 50));
    const report = await keeper.run();

    expect(backlogs(report)).toEqual({
      'architect:stable': 0,
      'developer:stable': 1,
      'qa:stable': 0,
      'meta:stable': 0,
      'developer:green': 3,
      'qa:canary': 0,
    });
    expect(report.streams.find((s) => s.track === 'green')!.deadLettered).toBe(1);
    expect(report.streams.filter((s) => s.track !== 'green').map((s) => s.deadLettered)).toEqual([0, 0, 0, 0, 0]);
    const [[, fields]] = await redis.xrange(keys.deadLetters('developer'), '-', '+');
    expect(fields).toEqual(expect.arrayContaining(['id', 'g0']));
    expect(report.streamLengths).toMatchObject({ 'hive:tasks:developer:green': 4, 'hive:tasks:qa:canary': 0, 'hive:tasks:developer': 1, 'hive:dlq:developer': 1 });
    // The track's group exists once housekeeping ran, as the stable ones do: its agents may start later.
    expect(((await redis.xinfo('GROUPS', keys.tasks('qa', 'canary'))) as unknown[][]).map((g) => g[1])).toEqual(['qa']);
  });

  it('leaves the streams of tracks it is not told of alone', async () => {
    await redis.xadd(keys.tasks('developer', 'blue'), '*', 'id', 'b0', 'payload', '{}');
    const report = await housekeeper().run();
    expect(report.streams.map((s) => s.track)).toEqual(['stable', 'stable', 'stable', 'stable']);
    expect(report.streamLengths['hive:tasks:developer:blue']).toBeUndefined();
  });

  it('trims acknowledged tasks but keeps every pending and undelivered one', async () => {
    const queue = queueOf('qa', 'agent-qa-1');
    await queue.ensureGroup();
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) ids.push(await enqueue(redis, 'qa', `t${i}`, { instructions: 'x' }));
    const taken = await queue.readNew(250, 100);
    // All but the 211th acknowledged: it stays pending, so nothing from it on may go.
    // Trimming is approximate (whole stream nodes of 100 entries), as it should be for a hot stream.
    for (const delivery of taken) {
      if (delivery.entryId !== ids[210]) await queue.complete(delivery.entryId, delivery.fields.id, { status: 'succeeded', output: { text: '', files: {}, usage: { input_tokens: 0, output_tokens: 0 }, turns: 1 } }, 0);
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
    await housekeeper({ streamMaxLength: 100 }).run();
    const length = await redis.xlen('hive:results');
    expect(length).toBeLessThan(1000);
    expect(length).toBeGreaterThanOrEqual(100);
  });

  it('forgets consumers with nothing pending that have been idle for long', async () => {
    const queue = queueOf('architect', 'agent-architect-gone');
    await queue.ensureGroup();
    await queue.readNew(1, 10);
    const keeper = housekeeper({ claimIdleMs: 10 });
    await new Promise((r) => setTimeout(r, 150));
    await keeper.run();
    const consumers = (await redis.xinfo('CONSUMERS', 'hive:tasks:architect', 'architect')) as unknown[][];
    expect(consumers.map((c) => c[1])).not.toContain('agent-architect-gone');
  });

  it('reports Redis memory and every stream length', async () => {
    await enqueue(redis, 'qa', 't1', { instructions: 'x' });
    const report = await housekeeper().run();
    expect(report.usedMemoryBytes).toBeGreaterThan(100_000);
    expect(report.maxMemoryBytes).toBe(0);
    expect(report.streamLengths).toMatchObject({ 'hive:tasks:qa': 1, 'hive:tasks:developer': 0, 'hive:results': 0, 'hive:dlq:qa': 0 });
  });

  it('costs the same for a million entries: one round under 100 ms, reading no payload, Redis memory unchanged by it', async () => {
    const queue = queueOf('developer', 'agent-developer-1');
    await queue.ensureGroup();
    const payload = JSON.stringify({ instructions: 'x'.repeat(200) });
    for (let batch = 0; batch < 100; batch++) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 10_000; i++) pipeline.xadd('hive:tasks:developer', '*', 'id', `t-${batch}-${i}`, 'payload', payload);
      await pipeline.exec();
    }
    await queue.readNew(50, 100);
    // An XDEL leaves a tombstone, after which Redis cannot tell the lag: the slow path of the old code.
    const [[firstUndelivered]] = await redis.xrange('hive:tasks:developer', '(' + (await redis.xinfo('GROUPS', 'hive:tasks:developer') as unknown[][])[0][7], '+', 'COUNT', 1);
    await redis.xdel('hive:tasks:developer', firstUndelivered);
    const keeper = housekeeper();
    await keeper.run(); // creates the groups once
    const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const times: number[] = [];
    let report;
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      report = await keeper.run();
      times.push(performance.now() - start);
    }
    const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    expect(Math.min(...times)).toBeLessThan(100);
    expect(backlogs(report!)['developer:stable']).toBeGreaterThan(999_000);
    expect(backlogs(report!)['developer:stable']).toBeLessThanOrEqual(1_000_000);
    // A round that read entries would grow Redis' output buffers by their payloads (about 250 MB here).
    expect(Math.abs(memoryAfter - memoryBefore)).toBeLessThan(10 * 1024 * 1024);
  }, 120_000);
});
