import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hiveKeys } from '../../agent-runtime/src/contract';
import { Logger, LogFields } from '../../agent-runtime/src/log/logger';
import { setTrackWeights } from '../support/track-weights';
import { TrackRouter } from '../../agent-runtime/src/routing/track-router';
import { fleetWeights, parseWeights, placementArgs } from '../../agent-runtime/src/routing/track-weights';
import { waitFor } from '../support/agent-process';
import { RedisServer } from '../support/redis-server';

const keys = hiveKeys();

function share(tracks: string[], track: string): number {
  return tracks.filter((t) => t === track).length / tracks.length;
}

/** A logger that keeps its warnings for the test to read. */
function recordingLogger(): Logger & { warnings: Array<[string, LogFields | undefined]> } {
  const warnings: Array<[string, LogFields | undefined]> = [];
  const logger = { warnings, debug: () => undefined, info: () => undefined, error: () => undefined, warn: (event: string, fields?: LogFields) => void warnings.push([event, fields]), child: () => logger };
  return logger;
}

describe('track weights', () => {
  it('refuse weights not summing to 100 or naming a bad track', () => {
    expect(parseWeights({})).toEqual([{ track: 'stable', percent: 100 }]);
    expect(() => parseWeights({ stable: '60', green: '30' })).toThrow('the weights must sum to 100, got 90 (green=30 stable=60)');
    expect(() => parseWeights({ stable: '50', Blue: '50' })).toThrow("a track name is 1-31 lowercase letters, digits or '-', starting with a letter, got `Blue`");
    expect(() => parseWeights({ stable: '50.5', green: '49.5' })).toThrow('the weight of `stable` must be a whole percent from 0 to 100, got `50.5`');
  });

  it('are placed against cumulatively, tracks without a share left out, the last ending at exactly 100', () => {
    expect(placementArgs(parseWeights({ stable: 75, green: 25, blue: 0 }))).toEqual(['green', '25', 'stable', '100']);
    expect(placementArgs(fleetWeights(parseWeights({ legacy: 40, stable: 40, green: 20 })))).toEqual(['green', String(100 / 3), 'stable', '100']);
    expect(placementArgs(fleetWeights(parseWeights({ legacy: 100, stable: 0 })))).toEqual(['stable', '100']);
  });
});

describe('the track router', () => {
  let redis: RedisServer;
  let client: Redis;
  const routers: TrackRouter[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
  });
  afterEach(async () => {
    routers.splice(0).forEach((r) => r.stop());
    await client.flushall();
  });
  afterAll(async () => {
    client.disconnect();
    await redis.destroy();
  });

  async function startRouter(logger: Logger = recordingLogger(), legacyList?: string): Promise<TrackRouter> {
    const router = new TrackRouter(client, logger, { keys, refreshMs: 250, legacyList });
    routers.push(router);
    await router.start();
    return router;
  }

  /** The tracks of the ids, placed as concurrent producers would: all at once. */
  function tracksOf(router: TrackRouter, ids: readonly string[], scope: 'all' | 'fleet' = 'all', role: 'developer' | 'qa' = 'developer'): Promise<string[]> {
    return Promise.all(ids.map((id) => (scope === 'fleet' ? router.fleetTrackFor(role) : router.trackFor(role, id))));
  }

  const uuids = (count: number) => Array.from({ length: count }, () => randomUUID());

  it('splits every batch of 1,000 random ids within 2 % of the weights (hashing the ids strays past 2 % in about one batch in five)', async () => {
    const router = await startRouter();
    for (const [green, stable] of [[25, 75], [50, 50]]) {
      await setTrackWeights(client, keys, 'developer', { stable, green });
      await router.refresh();
      for (let batch = 0; batch < 20; batch++) {
        expect(Math.abs(share(await tracksOf(router, uuids(1000)), 'green') - green / 100)).toBeLessThanOrEqual(0.02);
      }
    }
  });

  it('sends a re-sent id to the track it went to first, even after the weights change, and never moves what is enqueued', async () => {
    await setTrackWeights(client, keys, 'developer', { stable: 50, green: 50 });
    const router = await startRouter();
    const ids = uuids(200);
    const first = await tracksOf(router, ids);
    for (const [i, id] of ids.entries()) await client.xadd(keys.tasks('developer', first[i]), '*', 'id', id);
    const enqueued = async () => Promise.all(['stable', 'green'].map(async (track) => (await client.xrange(keys.tasks('developer', track), '-', '+')).map(([, f]) => f[1])));
    const before = await enqueued();

    await setTrackWeights(client, keys, 'developer', { stable: 100, green: 0 });
    await router.refresh();
    expect(await tracksOf(router, ids)).toEqual(first);
    expect(await tracksOf(router, uuids(100))).toEqual(Array(100).fill('stable'));
    expect(await enqueued()).toEqual(before);
    const ttl = await client.ttl(keys.routeRecord('developer', ids[0]));
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('applies a weight change on every router within 1 s', async () => {
    const [a, b] = [await startRouter(), await startRouter()];
    expect(await tracksOf(a, uuids(100))).toEqual(Array(100).fill('stable'));

    await setTrackWeights(client, keys, 'developer', { stable: 75, green: 25 });
    const changedAt = Date.now();
    await waitFor(() => [a, b].every((router) => router.routingOf('developer').weights.some(({ track }) => track === 'green')), 1_000, 'both routers on the new weights');
    expect(Date.now() - changedAt).toBeLessThan(1_000);
    for (const router of [a, b]) expect(Math.abs(share(await tracksOf(router, uuids(1000)), 'green') - 0.25)).toBeLessThanOrEqual(0.02);
    expect(await tracksOf(a, uuids(100), 'all', 'qa')).toEqual(Array(100).fill('stable'));
  });

  it('keeps the last good weights when the stored ones are invalid, and says why', async () => {
    const logger = recordingLogger();
    await setTrackWeights(client, keys, 'developer', { stable: 50, green: 50 });
    const router = await startRouter(logger);
    await expect(setTrackWeights(client, keys, 'developer', { stable: 50, green: 40 })).rejects.toThrow('the weights must sum to 100, got 90');

    await client.hset(keys.trackWeights('developer'), 'green', '40');
    await router.refresh();
    await router.refresh();
    expect(Math.abs(share(await tracksOf(router, uuids(1000)), 'green') - 0.5)).toBeLessThanOrEqual(0.02);
    expect(logger.warnings).toEqual([['track weights not applied; keeping the last good ones', { role: 'developer', problem: 'the weights must sum to 100, got 90 (green=40 stable=50)', weights: 'green=50 stable=50' }]]);
  });

  it('refuses a legacy share without the old system’s list, applies it with one, and spreads it over the fleet for producers that need results', async () => {
    await setTrackWeights(client, keys, 'developer', { legacy: 40, stable: 60 });
    const logger = recordingLogger();
    const without = await startRouter(logger);
    expect(without.problemOf('developer')).toBe('the weights give the `legacy` track 40 %, but `HIVE_LEGACY_LIST` names no list to send its tasks to');
    expect(await tracksOf(without, uuids(100))).toEqual(Array(100).fill('stable'));
    expect(logger.warnings).toHaveLength(1);

    const withList = await startRouter(recordingLogger(), 'oldq:work');
    expect(withList.problemOf('developer')).toBeUndefined();
    expect(Math.abs(share(await tracksOf(withList, uuids(1000)), 'legacy') - 0.4)).toBeLessThanOrEqual(0.02);

    await setTrackWeights(client, keys, 'developer', { legacy: 50, stable: 25, green: 25 });
    await withList.refresh();
    const fleet = await tracksOf(withList, uuids(1000), 'fleet');
    expect(share(fleet, 'legacy')).toBe(0);
    expect(Math.abs(share(fleet, 'green') - 0.5)).toBeLessThanOrEqual(0.02);
    // The gateway's ids are fresh, so its placements leave no record behind.
    const recordsBefore = (await client.keys(`${keys.routeRecord('developer', '')}*`)).length;
    await tracksOf(withList, uuids(100), 'fleet');
    expect(await client.keys(`${keys.routeRecord('developer', '')}*`)).toHaveLength(recordsBefore);
  });
});
