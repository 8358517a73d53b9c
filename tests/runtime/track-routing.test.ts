import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hiveKeys } from '../../agent-runtime/src/contract';
import { Logger, LogFields } from '../../agent-runtime/src/log/logger';
import { setTrackWeights } from '../../agent-runtime/src/routing/set-track-weights';
import { TrackRouter } from '../../agent-runtime/src/routing/track-router';
import { fleetWeights, parseWeights, pickTrack } from '../../agent-runtime/src/routing/track-weights';
import { waitFor } from '../support/agent-process';
import { RedisServer } from '../support/redis-server';

const keys = hiveKeys();
const ids = Array.from({ length: 1000 }, (_, i) => `task-${i}`);

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
  it('split 1,000 ids within 2 % of the weights, the same id always to the same track', () => {
    for (const [green, stable] of [[25, 75], [50, 50], [75, 25]]) {
      const weights = parseWeights({ stable, green });
      const tracks = ids.map((id) => pickTrack(weights, id));
      expect(Math.abs(share(tracks, 'green') - green / 100)).toBeLessThanOrEqual(0.02);
      expect(ids.map((id) => pickTrack(weights, id))).toEqual(tracks);
    }
  });

  it('send everything to stable without weights, and refuse weights not summing to 100 or naming a bad track', () => {
    expect(ids.every((id) => pickTrack(parseWeights({}), id) === 'stable')).toBe(true);
    expect(() => parseWeights({ stable: '60', green: '30' })).toThrow('the weights must sum to 100, got 90 (green=30 stable=60)');
    expect(() => parseWeights({ stable: '50', Blue: '50' })).toThrow("a track name is 1-31 lowercase letters, digits or '-', starting with a letter, got `Blue`");
    expect(() => parseWeights({ stable: '50.5', green: '49.5' })).toThrow('the weight of `stable` must be a whole percent from 0 to 100, got `50.5`');
  });

  it('may route to the legacy track; producers that need results spread its share over the fleet’s tracks', () => {
    const weights = parseWeights({ legacy: '50', stable: '25', green: '25' });
    expect(share(ids.map((id) => pickTrack(weights, id)), 'legacy')).toBeCloseTo(0.5, 1);
    const fleet = ids.map((id) => pickTrack(fleetWeights(weights), id));
    expect(share(fleet, 'legacy')).toBe(0);
    expect(Math.abs(share(fleet, 'green') - 0.5)).toBeLessThanOrEqual(0.02);
    expect(ids.every((id) => pickTrack(fleetWeights(parseWeights({ legacy: '100', stable: '0' })), id) === 'stable')).toBe(true);
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

  it('applies a weight change on every router within 1 s', async () => {
    const [a, b] = [await startRouter(), await startRouter()];
    expect(ids.every((id) => a.trackFor('developer', id) === 'stable' && b.trackFor('developer', id) === 'stable')).toBe(true);

    await setTrackWeights(client, keys, 'developer', { stable: 75, green: 25 });
    const changedAt = Date.now();
    await waitFor(() => [a, b].every((router) => ids.some((id) => router.trackFor('developer', id) === 'green')), 1_000, 'both routers on the new weights');
    expect(Date.now() - changedAt).toBeLessThan(1_000);
    for (const router of [a, b]) expect(Math.abs(share(ids.map((id) => router.trackFor('developer', id)), 'green') - 0.25)).toBeLessThanOrEqual(0.02);
    expect(ids.every((id) => a.trackFor('qa', id) === 'stable')).toBe(true);
  });

  it('keeps the last good weights when the stored ones are invalid, and says why', async () => {
    const logger = recordingLogger();
    await setTrackWeights(client, keys, 'developer', { stable: 50, green: 50 });
    const router = await startRouter(logger);
    await expect(setTrackWeights(client, keys, 'developer', { stable: 50, green: 40 })).rejects.toThrow('the weights must sum to 100, got 90');

    await client.hset(keys.trackWeights('developer'), 'green', '40');
    await router.refresh();
    await router.refresh();
    expect(share(ids.map((id) => router.trackFor('developer', id)), 'green')).toBeGreaterThan(0.45);
    expect(logger.warnings).toEqual([['track weights not applied; keeping the last good ones', { role: 'developer', problem: 'the weights must sum to 100, got 90 (green=40 stable=50)', weights: 'green=50 stable=50' }]]);
  });

  it('refuses a legacy share without the old system’s list, and applies it with one', async () => {
    await setTrackWeights(client, keys, 'developer', { legacy: 40, stable: 60 });
    const logger = recordingLogger();
    const without = await startRouter(logger);
    expect(without.problemOf('developer')).toBe('the weights give the `legacy` track 40 %, but `HIVE_LEGACY_LIST` names no list to send its tasks to');
    expect(ids.every((id) => without.trackFor('developer', id) === 'stable')).toBe(true);
    expect(logger.warnings).toHaveLength(1);

    const withList = await startRouter(recordingLogger(), 'oldq:work');
    expect(withList.problemOf('developer')).toBeUndefined();
    expect(Math.abs(share(ids.map((id) => withList.trackFor('developer', id)), 'legacy') - 0.4)).toBeLessThanOrEqual(0.02);
  });
});
