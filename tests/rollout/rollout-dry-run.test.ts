import Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { hiveKeys } from '../../agent-runtime/src/contract';
import { setTrackWeights } from '../support/track-weights';
import { text } from '../support/fake-messages-api';
import { enqueue, waitForResults } from '../support/hive-streams';
import { GATE_WINDOW, useRolloutFleet } from '../support/rollout-fleet';

/** Every key with its type, serialized value and expiry time (absolute, so waiting changes nothing). */
async function snapshot(redis: Redis): Promise<Record<string, string>> {
  const keys = (await redis.keys('*')).sort();
  const entries = await Promise.all(keys.map(async (key) => [key, `${await redis.type(key)} ${(await redis.dumpBuffer(key))?.toString('base64')} ${await redis.call('PEXPIRETIME', key)}`]));
  return Object.fromEntries(entries);
}

describe('hive rollout start --dry-run', () => {
  const fleet = useRolloutFleet();

  it('prints the plan and every gate’s verdict and changes nothing in Redis, whether the rollout would start or be refused; a real start refused leaves nothing behind', async () => {
    await fleet.startTracks({ stable: { api: () => text('done') }, green: { api: () => text('done') } });
    const redis = fleet.client();
    await setTrackWeights(redis, hiveKeys(), 'developer', { stable: 100, green: 0 });
    await enqueue(redis, 'developer', 'before', { instructions: 'Say done.' });
    await waitForResults(redis, 1);
    const before = await snapshot(redis);

    const dry = await fleet.rollout(['start', '--role', 'developer', '--to', 'green', '--window', GATE_WINDOW, '--dry-run']).result;
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('plan: developer: stable -> green, steps 25 %, 50 %, 75 %, 100 %');
    for (const gate of ['failure-ratio', 'pickup-latency-p99', 'alerts-firing', 'tokens-per-task', 'tasks-finished']) expect(dry.stderr).toMatch(new RegExp(`\\n  pass ${gate}`));
    expect(dry.stdout).toBe('dry run: pre-validation passed; nothing was changed\n');

    const refused = await fleet.rollout(['start', '--role', 'developer', '--to', 'blue', '--window', GATE_WINDOW, '--dry-run']).result;
    expect(refused.code).toBe(65);
    expect(refused.stderr.trim().split('\n').at(-1)).toMatch(/^hive: dry run: the rollout would be refused: pre-validation: no ready agent of developer on track blue \(hive_agent_ready in Prometheus\); pre-validation: gate failure-ratio: no data/);

    expect(await snapshot(redis)).toEqual(before);

    // A real start refuses the same way, and leaves neither lock nor state behind.
    await setTrackWeights(redis, hiveKeys(), 'developer', { stable: 50, green: 50 });
    const split = await fleet.rollout(['start', '--role', 'developer', '--to', 'green', '--window', GATE_WINDOW]).result;
    expect(split.code).toBe(65);
    expect(split.stderr.trim().split('\n').at(-1)).toBe('hive: refused: a rollout starts with every new task of developer on stable, but the weights are green=50 stable=50');
    expect(await redis.exists(hiveKeys().rolloutLock('developer'), hiveKeys().rolloutState('developer'))).toBe(0);

    // No weights mean everything on stable (or, through a bridge, on legacy): a rollout from another track is refused.
    await redis.del(hiveKeys().trackWeights('developer'));
    const fromGreen = await fleet.rollout(['start', '--role', 'developer', '--from', 'green', '--to', 'stable', '--window', GATE_WINDOW, '--dry-run']).result;
    expect(fromGreen.code).toBe(65);
    expect(fromGreen.stderr.trim().split('\n').at(-1)).toBe(
      'hive: dry run: the rollout would be refused: a rollout starts with every new task of developer on green, but the role has no weights: everything goes to stable (to legacy through a bridge)',
    );
  }, 60_000);
});
