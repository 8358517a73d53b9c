import { afterEach, describe, expect, it } from 'vitest';
import { BRIDGE_ENV, hiveKeys } from '../../agent-runtime/src/contract';
import { setTrackWeights } from '../../agent-runtime/src/routing/set-track-weights';
import { parseWeights, pickTrack } from '../../agent-runtime/src/routing/track-weights';
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

    const weights = parseWeights({ legacy: 50, stable: 30, green: 20 });
    const routed = await routedIds(redis, 'developer', ['stable', 'green'], LEGACY);
    for (const track of ['legacy', 'stable', 'green']) {
      expect(routed[track].sort()).toEqual(entries.map((_, i) => `t-${i}`).filter((id) => pickTrack(weights, id) === track).sort());
    }
    // The old workers read the entries as the producers wrote them, oldest first.
    const legacyEntries = await redis.lrange(LEGACY, 0, -1);
    expect(legacyEntries.reverse()).toEqual(entries.filter((entry) => pickTrack(weights, JSON.parse(entry).id) === 'legacy'));
    const [[, fields]] = await redis.xrange(keys.tasks('developer', 'green'), '-', '+', 'COUNT', 1);
    expect(fields).toEqual(['id', expect.stringMatching(/^t-/), 'role', 'developer', 'payload', expect.stringContaining('"instructions"')]);
    expect(await bridge.metrics()).toMatch(/hive_bridge_routed_total\{role="developer",track="legacy"\} \d+/);
  });

  it('leaves every task to the old workers while the role has no weights', async () => {
    const redis = hive.client();
    await (await startBridge()).waitForReadiness(200);
    await redis.lpush(SOURCE, legacyTask('a'), legacyTask('b'));
    await drained();
    expect(await redis.llen(LEGACY)).toBe(2);
    expect(await redis.exists(keys.tasks('developer'))).toBe(0);
  });

  it('keeps an entry that is not a task in the rejected list with the reason, and routes the others', async () => {
    const redis = hive.client();
    await setTrackWeights(redis, keys, 'developer', { stable: 100 });
    const bridge = await startBridge();
    await bridge.waitForReadiness(200);
    await redis.lpush(SOURCE, 'not json', legacyTask('good-1'), JSON.stringify({ id: 7, instructions: 'x' }), JSON.stringify({ id: 'no-instructions' }), legacyTask('good-2'));
    await drained();

    expect(await routedIds(redis, 'developer', ['stable'], LEGACY)).toMatchObject({ stable: ['good-1', 'good-2'] });
    const rejected = (await redis.lrange(keys.bridgeRejected('developer'), 0, -1)).map((line) => JSON.parse(line)).reverse();
    expect(rejected.map(({ entry, error }) => [entry, error])).toEqual([
      ['not json', expect.stringMatching(/^the entry is not JSON: /)],
      [JSON.stringify({ id: 7, instructions: 'x' }), "field 'id' must be a string"],
      [JSON.stringify({ id: 'no-instructions' }), 'payload.instructions must be a non-empty string'],
    ]);
    await bridge.waitForLog('entry is not a task; kept in the rejected list', 5_000, (line) => line.error === "field 'id' must be a string");
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
