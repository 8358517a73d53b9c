import { describe, expect, it } from 'vitest';
import { hiveKeys } from '../../agent-runtime/src/contract';
import { apiError, text } from '../support/fake-messages-api';
import { results, waitForResults } from '../support/hive-streams';
import { legacyTask, routedIds } from '../support/legacy-queue';
import { GATE_WINDOW, SOURCE_LIST, useRolloutFleet, writePlan } from '../support/rollout-fleet';

const keys = hiveKeys();

/** Tasks sent at each step to measure its split. */
const PER_STEP = 400;

describe('hive rollout start', () => {
  const fleet = useRolloutFleet();

  it('promotes a healthy track through every step, the measured split within 2 % of each step (the issue asks 5 %)', async () => {
    await fleet.startTracks({ stable: { api: () => text('done') }, green: { api: () => text('done') } });
    await fleet.startBridge();
    const redis = fleet.client();
    const cli = fleet.rollout(['start', '--role', 'developer', '--to', 'green', '--soak', '5s', '--window', GATE_WINDOW]);

    const measured: Record<number, number> = {};
    for (const [step, percent] of [25, 50, 75, 100].entries()) {
      await cli.waitForStderr(new RegExp(`step ${step + 1}/4: green ${percent} %`), 30_000);
      // Every router (the bridge's) reads the weights within half a second.
      await new Promise((r) => setTimeout(r, 1_000));
      await redis.lpush(SOURCE_LIST, ...Array.from({ length: PER_STEP }, (_, i) => legacyTask(`s${step + 1}-${i}`)));
      await fleet.drained();
      const routed = await routedIds(redis, 'developer', ['stable', 'green']);
      const green = routed.green.filter((id) => id.startsWith(`s${step + 1}-`)).length;
      const stable = routed.stable.filter((id) => id.startsWith(`s${step + 1}-`)).length;
      expect(green + stable).toBe(PER_STEP);
      measured[percent] = green / PER_STEP;
    }
    const { code, stdout, stderr } = await cli.result;
    expect(code, stderr).toBe(0);
    expect(stdout.trim().split('\n').at(-1)).toBe("rollout complete: green has 100 % of developer's new tasks");
    for (const [percent, share] of Object.entries(measured)) expect(Math.abs(share - Number(percent) / 100), `step at ${percent} %`).toBeLessThanOrEqual(0.02);
    expect(stderr.match(/passed its gates/g)).toHaveLength(4);
    expect(await redis.hgetall(keys.trackWeights('developer'))).toEqual({ stable: '0', green: '100' });
    await waitForResults(redis, 4 * PER_STEP, 60_000);
  }, 120_000);

  it('rolls a track whose API calls fail half the time back at its first gate, also after its lock lapsed, and loses no task', async () => {
    await fleet.startTracks({ stable: { api: () => text('done') }, green: { api: (_, call) => (call % 2 === 0 ? apiError(400, 'invalid_request_error', 'injected') : text('done')) } });
    await fleet.startBridge();
    const redis = fleet.client();
    let sent = 0;
    const producer = setInterval(() => void redis.lpush(SOURCE_LIST, ...Array.from({ length: 10 }, () => legacyTask(`p-${sent++}`))), 100);
    try {
      // A long lock (renewed every 40 s) that lapses at the first step, as when the laptop running the rollout sleeps:
      // rolling back needs no lock, so the failing track still goes back to 0 %.
      const cli = fleet.rollout(['start', '--plan', writePlan({ lockTtl: '120s' }), '--role', 'developer', '--to', 'green', '--soak', '20s', '--check-every', '2s', '--window', GATE_WINDOW]);
      await cli.waitForStderr(/step 1\/4: green 25 %/, 30_000);
      await redis.del(keys.rolloutLock('developer'));
      const { code, stderr } = await cli.result;
      expect(code, stderr).toBe(3);
      expect(stderr.trim().split('\n').at(-1)).toMatch(/^hive: rolled back at step 1\/4 \(green at 25 %\): gate failure-ratio 0\.\d+ > 0\.02$/);
    } finally {
      clearInterval(producer);
    }
    expect(await redis.hgetall(keys.trackWeights('developer'))).toEqual({ stable: '100', green: '0' });
    expect(await redis.hget(keys.rolloutState('developer'), 'status')).toBe('rolled_back');

    await fleet.drained();
    const done = await waitForResults(redis, sent, 60_000);
    const ids = done.map((r) => r.taskId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: sent }, (_, i) => `p-${i}`)));
    expect(done.some((r) => r.agent.includes('green') && r.status === 'failed')).toBe(true);
    expect(done.filter((r) => r.agent.includes('stable')).every((r) => r.status === 'succeeded')).toBe(true);
    expect((await results(redis)).length).toBe(sent);
  }, 120_000);
});
