import { afterEach, describe, expect, it } from 'vitest';
import { BRIDGE_ENV, ENV, hiveKeys } from '../../agent-runtime/src/contract';
import { setTrackWeights } from '../support/track-weights';
import { AgentProcess, BRIDGE_ENTRY_POINT, waitFor } from '../support/agent-process';
import { useHive } from '../support/hive-fixture';
import { legacyTask, routedIds } from '../support/legacy-queue';

const keys = hiveKeys();
const SOURCE = 'oldq:incoming';
const LEGACY = 'oldq:work';

describe('the bridge from the old system’s queue', () => {
  const hive = useHive();
  const bridges: AgentProcess[] = [];
  afterEach(async () => Promise.all(bridges.splice(0).map((bridge) => bridge.stop())));

  async function startBridge(env: Record<string, string> = {}): Promise<AgentProcess> {
    const bridge = await AgentProcess.start({ REDIS_URL: hive.redis.url, [BRIDGE_ENV.source]: SOURCE, [BRIDGE_ENV.legacyList]: LEGACY, [BRIDGE_ENV.role]: 'developer', ...env }, BRIDGE_ENTRY_POINT);
    bridges.push(bridge);
    return bridge;
  }

  async function drained(): Promise<void> {
    const redis = hive.client();
    await waitFor(async () => (await redis.llen(SOURCE)) + (await redis.llen(keys.bridgeProcessing('developer'))) === 0, 20_000, 'the source and processing lists to be empty');
  }

  it('routes each entry where the weights put its id: the legacy share unchanged to the old workers’ list, the rest as task entries', async () => {
    const redis = hive.client();
    await setTrackWeights(redis, keys, 'developer', { legacy: 50, stable: 30, green: 20 });
    const bridge = await startBridge();
    await bridge.waitForReadiness(200);
    const entries = Array.from({ length: 300 }, (_, i) => legacyTask(`t-${i}`));
    await redis.lpush(SOURCE, ...entries);
    await drained();

    const routed = await routedIds(redis, 'developer', ['stable', 'green'], LEGACY);
    // Each id went where the router recorded it, and the split is exact: within 2 % of 300.
    const ids = entries.map((_, i) => `t-${i}`);
    const recorded = await Promise.all(ids.map((id) => redis.get(keys.routeRecord('developer', id))));
    for (const [track, percent] of [['legacy', 50], ['stable', 30], ['green', 20]] as const) {
      expect(routed[track].sort()).toEqual(ids.filter((_, i) => recorded[i] === track).sort());
      expect(Math.abs(routed[track].length - (300 * percent) / 100)).toBeLessThanOrEqual(6);
    }
    // The old workers read the entries as the producers wrote them, oldest first.
    const legacyEntries = await redis.lrange(LEGACY, 0, -1);
    expect(legacyEntries.reverse()).toEqual(entries.filter((_, i) => recorded[i] === 'legacy'));
    const [[, fields]] = await redis.xrange(keys.tasks('developer', 'green'), '-', '+', 'COUNT', 1);
    expect(fields).toEqual(['id', expect.stringMatching(/^t-/), 'role', 'developer', 'payload', expect.stringContaining('"instructions"')]);
    expect(await bridge.metrics()).toMatch(/hive_bridge_routed_total\{role="developer",track="legacy"\} \d+/);
  });

  it('leaves every entry to the old workers, unchanged, while the role has no weights, whatever the fleet would make of it, and exports their backlog', async () => {
    const redis = hive.client();
    const bridge = await startBridge();
    await bridge.waitForReadiness(200);
    // What the old workers took and the fleet's agents would refuse: a numeric id, an id with '/', an older schema, a big payload, not JSON.
    const entries = [
      JSON.stringify({ id: 7, instructions: 'x' }),
      JSON.stringify({ id: 'jobs/42', instructions: 'x' }),
      JSON.stringify({ id: 'old-schema', task: 'no instructions field' }),
      JSON.stringify({ id: 'big', instructions: 'x', blob: 'x'.repeat(5 * 1024 * 1024) }),
      'plain text job',
    ];
    await redis.lpush(SOURCE, ...entries);
    await drained();
    expect((await redis.lrange(LEGACY, 0, -1)).reverse()).toEqual(entries);
    expect(await redis.llen(keys.bridgeRejected('developer'))).toBe(0);
    expect(await redis.exists(keys.tasks('developer'))).toBe(0);
    expect(await bridge.metrics()).toContain('hive_bridge_legacy_backlog{role="developer"} 5');
  });

  it('routes a re-sent entry without an id to the same track, by an id derived from its bytes', async () => {
    const redis = hive.client();
    await setTrackWeights(redis, keys, 'developer', { legacy: 50, stable: 50 });
    await (await startBridge()).waitForReadiness(200);
    const entries = Array.from({ length: 20 }, (_, i) => JSON.stringify({ instructions: `Task ${i}.` }));
    await redis.lpush(SOURCE, ...entries, ...entries);
    await drained();
    const legacy = (await redis.lrange(LEGACY, 0, -1)).reverse();
    const stable = (await redis.xrange(keys.tasks('developer'), '-', '+')).map(([, f]) => JSON.stringify({ instructions: JSON.parse(f[f.indexOf('payload') + 1]).instructions }));
    for (const entry of entries) {
      const copies = [legacy, stable].map((list) => list.filter((e) => e === entry).length);
      expect(copies.sort()).toEqual([0, 2]);
    }
  });

  it('refuses to start on an old workers’ key that is not a list; holds an entry in processing while it turns into one, says why in readiness, and routes it once the key is fixed', async () => {
    const redis = hive.client();
    await redis.xadd(LEGACY, '*', 'not', 'a list');
    const refused = await startBridge();
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr).toContain(`Expected \`${BRIDGE_ENV.legacyList}\` (\`${LEGACY}\`) to name a Redis list, got a stream: the bridge takes from a list and hands the old workers only a list`);

    await redis.del(LEGACY);
    const bridge = await startBridge();
    await bridge.waitForReadiness(200);
    await redis.xadd(LEGACY, '*', 'not', 'a list');
    await redis.lpush(SOURCE, legacyTask('a'), legacyTask('b'), legacyTask('c'));
    const reason = `the \`legacy\` track's target \`${LEGACY}\` is a stream, not a list`;
    await waitFor(async () => (await bridge.get('/readyz').catch(() => ({ status: 0, body: '' }))).body.includes(reason), 10_000, 'readiness to say why');
    expect((await bridge.get('/readyz')).status).toBe(503);
    expect(await redis.lrange(keys.bridgeProcessing('developer'), 0, -1)).toEqual([legacyTask('a')]);
    expect(await redis.lrange(SOURCE, 0, -1)).toEqual([legacyTask('c'), legacyTask('b')]);
    expect(await redis.xlen(LEGACY)).toBe(1);

    await redis.del(LEGACY);
    await drained();
    expect((await redis.lrange(LEGACY, 0, -1)).reverse()).toEqual([legacyTask('a'), legacyTask('b'), legacyTask('c')]);
    await bridge.waitForReadiness(200);
  });

  it('keeps an entry routed to the fleet that is not a task in the rejected list with the reason, and routes the others', async () => {
    const redis = hive.client();
    await setTrackWeights(redis, keys, 'developer', { stable: 100 });
    const bridge = await startBridge();
    await bridge.waitForReadiness(200);
    await redis.lpush(SOURCE, 'not json', legacyTask('good-1'), JSON.stringify({ id: 7, instructions: 'x' }), JSON.stringify({ id: 'no-instructions' }), JSON.stringify({ id: 'a/b', instructions: 'x' }), legacyTask('good-2'));
    await drained();

    expect(await routedIds(redis, 'developer', ['stable'], LEGACY)).toMatchObject({ stable: ['good-1', '7', 'good-2'] });
    const rejected = (await redis.lrange(keys.bridgeRejected('developer'), 0, -1)).map((line) => JSON.parse(line)).reverse();
    expect(rejected.map(({ entry, error }) => [entry, error])).toEqual([
      ['not json', expect.stringMatching(/^the entry is not JSON: /)],
      [JSON.stringify({ id: 'no-instructions' }), 'payload.instructions must be a non-empty string'],
      [JSON.stringify({ id: 'a/b', instructions: 'x' }), "field 'id' must be 1-200 characters of letters, digits, '_', '.', ':' or '-'"],
    ]);
    await bridge.waitForLog('entry is not a task; kept in the rejected list', 5_000, (line) => line.error === 'payload.instructions must be a non-empty string');
  });

  it('routes every entry exactly once when killed at any point or stopped, and routes what a killed bridge left in processing at start', async () => {
    const redis = hive.client();
    await setTrackWeights(redis, keys, 'developer', { legacy: 50, stable: 50 });
    // As if a bridge died between taking the entry and routing it.
    await redis.lpush(keys.bridgeProcessing('developer'), legacyTask('left-behind'));
    const ids = ['left-behind', ...Array.from({ length: 3000 }, (_, i) => `k-${i}`)];
    await redis.lpush(SOURCE, ...ids.slice(1).map((id) => legacyTask(id)));

    // Killed at random points, and stopped as Kubernetes stops a pod: the entry in hand is routed, the rest wait.
    for (const [round, signal] of (['SIGKILL', 'SIGTERM', 'SIGKILL'] as const).entries()) {
      const bridge = await startBridge();
      await waitFor(async () => (await redis.llen(SOURCE)) < 3000 - 600 * (round + 1), 20_000, 'the bridge to route some entries');
      bridge.kill(signal);
      expect((await bridge.exited).code).toBe(signal === 'SIGTERM' ? 0 : null);
    }
    await (await startBridge()).waitForReadiness(200);
    await drained();

    const routed = await routedIds(redis, 'developer', ['stable'], LEGACY);
    const all = [...routed.legacy, ...routed.stable];
    expect(all.length).toBe(ids.length);
    expect(new Set(all)).toEqual(new Set(ids));
  }, 60_000);

  it('refuses, with a key prefix that has a hash tag, lists that do not share it', async () => {
    const untagged = await startBridge({ [ENV.keyPrefix]: '{hive}', [BRIDGE_ENV.source]: '{hive}:oldq:incoming' });
    expect((await untagged.exited).code).toBe(1);
    expect(untagged.stderr).toContain(
      `Expected \`${BRIDGE_ENV.legacyList}\` to share the hash tag of \`${ENV.keyPrefix}\` ({hive}), so the bridge's scripts can touch it in Redis Cluster, got \`${LEGACY}\`: e.g. \`{hive}:${LEGACY}\``,
    );
    const tagged = await startBridge({ [ENV.keyPrefix]: '{hive}', [BRIDGE_ENV.source]: '{hive}:oldq:incoming', [BRIDGE_ENV.legacyList]: '{hive}:oldq:work' });
    await tagged.waitForReadiness(200);
  });

  it('refuses a source that is the old workers’ list, and holds the entries while legacy weights have no list to go to', async () => {
    const looped = await startBridge({ [BRIDGE_ENV.source]: LEGACY });
    expect((await looped.exited).code).toBe(1);
    expect(looped.stderr).toContain(`Expected \`${BRIDGE_ENV.source}\` to differ from \`${BRIDGE_ENV.legacyList}\`, both are \`${LEGACY}\``);

    const redis = hive.client();
    await setTrackWeights(redis, keys, 'developer', { legacy: 25, stable: 75 });
    const bridge = await startBridge({ [BRIDGE_ENV.legacyList]: '' });
    await redis.lpush(SOURCE, legacyTask('held'));
    await waitFor(async () => (await bridge.get('/readyz').catch(() => ({ status: 0, body: '' }))).body.includes('not routing'), 10_000, 'readiness to say why');
    expect((await bridge.get('/readyz')).body).toContain(`the weights give the \`legacy\` track 25 %, but \`${BRIDGE_ENV.legacyList}\` names no list to send its tasks to`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await redis.lrange(SOURCE, 0, -1)).toEqual([legacyTask('held')]);

    await setTrackWeights(redis, keys, 'developer', { stable: 100 });
    await drained();
    expect(await routedIds(redis, 'developer', ['stable'], LEGACY)).toMatchObject({ stable: ['held'] });
  });
});
