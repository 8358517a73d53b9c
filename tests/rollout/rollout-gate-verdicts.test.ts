import { describe, expect, it } from 'vitest';
import { hiveKeys } from '../../agent-runtime/src/contract';
import { apiError, text } from '../support/fake-messages-api';
import { GATE_WINDOW, useRolloutFleet, writePlan } from '../support/rollout-fleet';

const keys = hiveKeys();
const lastLine = (output: string) => output.trim().split('\n').at(-1);

/** A 529 the SDK retries at once: the agent gives its task back and its track's breaker opens. */
function overloaded() {
  const reply = apiError(529, 'overloaded_error', 'Overloaded');
  return { ...reply, headers: { ...reply.headers, 'retry-after-ms': '10' } };
}

describe('the gates of a running rollout', () => {
  const fleet = useRolloutFleet();

  it('roll back a track that finishes nothing (its tasks handed back, its breaker open), after soaking on for evidence', async () => {
    await fleet.startTracks({ stable: { api: () => text('done') }, green: { api: () => overloaded(), env: { HIVE_LLM_BREAKER_FAILURES: '1', HIVE_LLM_BREAKER_OPEN_MS: '60000' } } });
    fleet.keepBusy(['stable', 'green']);
    const { code, stderr } = await fleet.rollout(['start', '--role', 'developer', '--to', 'green', '--soak', '3s', '--check-every', '1s', '--window', GATE_WINDOW]).result;
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/step 1\/4: no tasks finished yet \(.*tasks-finished 0 < 1\); soaking on for up to \w+/);
    expect(lastLine(stderr)).toMatch(/^hive: rolled back at step 1\/4 \(green at 25 %\): no tasks finished: gate .*tasks-finished 0 < 1/);
    expect(await fleet.client().hgetall(keys.trackWeights('developer'))).toEqual({ stable: '100', green: '0' });
  }, 90_000);

  it('stop with exit 69 and leave the weights for resume when Prometheus goes away mid-step, instead of rolling back', async () => {
    const prometheus = await fleet.startTracks({ stable: { api: () => text('done') }, green: { api: () => text('done') } });
    fleet.keepBusy(['stable', 'green']);
    // This case judges the outage alone: over a 6 s window of a few tasks the tokens ratio is noise on a busy machine.
    const plan = writePlan({ gates: { 'tokens-per-task': null } });
    const cli = fleet.rollout(['start', '--plan', plan, '--role', 'developer', '--to', 'green', '--soak', '4s', '--check-every', '1s', '--window', GATE_WINDOW]);
    await cli.waitForStderr(/step 1\/4: green 25 %/, 30_000);
    await prometheus.stop();
    const { code, stderr } = await cli.result;
    expect(code, stderr).toBe(69);
    expect(stderr).toContain('Prometheus did not answer (');
    expect(lastLine(stderr)).toMatch(/^hive: stopped at step 1\/4 with the weights as they are \(green 25 %, stable 75 %\): Prometheus did not answer for 1s \(.*cannot reach Prometheus.*\); `hive rollout resume --role developer` continues once it answers$/);
    const redis = fleet.client();
    expect(await redis.hgetall(keys.trackWeights('developer'))).toEqual({ stable: '75', green: '25' });
    expect(await redis.hget(keys.rolloutState('developer'), 'status')).toBe('running');
    expect(await redis.exists(keys.rolloutLock('developer'))).toBe(0);
  }, 90_000);
});
