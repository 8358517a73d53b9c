import { describe, expect, it } from 'vitest';
import { hiveKeys } from '../../agent-runtime/src/contract';
import { waitFor } from '../support/agent-process';
import { text } from '../support/fake-messages-api';
import { GATE_WINDOW, useRolloutFleet, writePlan } from '../support/rollout-fleet';

const keys = hiveKeys();
const lastLine = (output: string) => output.trim().split('\n').at(-1);

/** A plan file with a short lock, so a killed rollout's lock expires within the test. */
function planFile(): string {
  return writePlan({ role: 'developer', to: 'green', steps: [50, 100], soak: '4s', checkEvery: '1s', window: GATE_WINDOW, lockTtl: '2s', gates: { 'failure-ratio': { threshold: 0.05 } } });
}

describe('an interrupted rollout', () => {
  const fleet = useRolloutFleet();

  it('refuses a second rollout of the role, and resumes where it stopped after its process is killed mid-step', async () => {
    await fleet.startTracks({ stable: { api: () => text('done') }, green: { api: () => text('done') } });
    fleet.keepBusy(['stable', 'green']);
    const redis = fleet.client();
    const plan = planFile();
    const first = fleet.rollout(['start', '--plan', plan]);
    await first.waitForStderr(/step 1\/2: green 50 %/);

    const second = await fleet.rollout(['start', '--role', 'developer', '--to', 'green']).result;
    expect(second.code).toBe(75);
    expect(lastLine(second.stderr)).toMatch(/^hive: a rollout of developer is running \(lock held by .+\); `hive rollout status --role developer` shows it$/);

    await new Promise((r) => setTimeout(r, 1_000));
    first.stop();
    expect((await first.result).code).toBeNull();
    const status = JSON.parse((await fleet.rollout(['status', '--role', 'developer', '--json']).result).stdout);
    expect(status).toMatchObject({ role: 'developer', weights: { stable: 50, green: 50 }, status: 'running', step: 1, rollout: { plan: { from: 'stable', to: 'green', steps: [50, 100], soakMs: 4000, lockTtlMs: 2000 } } });

    await waitFor(async () => (await redis.exists(keys.rolloutLock('developer'))) === 0, 5_000, 'the killed rollout’s lock to expire');
    const restart = await fleet.rollout(['start', '--plan', plan]).result;
    expect(restart.code).toBe(65);
    expect(lastLine(restart.stderr)).toContain('was interrupted at step 1: `hive rollout resume --role developer` continues it');

    const resumed = await fleet.rollout(['resume', '--role', 'developer']).result;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/step 1\/2 resumed: green 50 %, stable 50 %, \w+ of its soak left/);
    expect(resumed.stderr).toMatch(/step 2\/2: green 100 %, stable 0 %/);
    expect(lastLine(resumed.stdout)).toBe("rollout complete: green has 100 % of developer's new tasks");
    expect(await redis.hgetall(keys.trackWeights('developer'))).toEqual({ stable: '0', green: '100' });

    const again = await fleet.rollout(['resume', '--role', 'developer']).result;
    expect(again.code).toBe(65);
    expect(lastLine(again.stderr)).toMatch(/^hive: the rollout of developer has ended \(completed\)/);
  }, 90_000);

  it('stops a running rollout when rolled back by hand, the new track at 0 % at once', async () => {
    await fleet.startTracks({ stable: { api: () => text('done') }, green: { api: () => text('done') } });
    const redis = fleet.client();
    const running = fleet.rollout(['start', '--plan', planFile(), '--soak', '10s']);
    await running.waitForStderr(/step 1\/2: green 50 %/);

    const rollback = await fleet.rollout(['rollback', '--role', 'developer']).result;
    expect(rollback.code).toBe(0);
    expect(await redis.hgetall(keys.trackWeights('developer'))).toEqual({ stable: '100', green: '0' });
    const { code, stderr } = await running.result;
    expect(code).toBe(3);
    expect(lastLine(stderr)).toBe('hive: rolled back by hand (hive rollout rollback) at step 1/2');
    const status = await fleet.rollout(['status', '--role', 'developer']).result;
    expect(status.stdout).toContain('rollout: rolled_back, step 0/2 (stable -> green');
  }, 60_000);

  it('shows the state when the stored weights are invalid, and checks the Prometheus URL of resume as start does', async () => {
    const redis = fleet.client();
    await redis.hset(keys.trackWeights('developer'), { stable: '60', green: '50' });
    const text = await fleet.rollout(['status', '--role', 'developer']).result;
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('weights: invalid, the routers keep their last good ones: the weights must sum to 100, got 110 (green=50 stable=60) (stored: ');
    expect(text.stdout).toContain('rollout: none\n');
    const json = await fleet.rollout(['status', '--role', 'developer', '--json']).result;
    expect(JSON.parse(json.stdout)).toMatchObject({ weights: { stable: '60', green: '50' }, weightsInvalid: expect.stringContaining('sum to 100'), status: 'none' });

    const resume = await fleet.rollout(['resume', '--role', 'developer', '--prometheus', 'http://admin:secret@prometheus:9090']).result;
    expect(resume.code).toBe(64);
    expect(lastLine(resume.stderr)).toBe('hive: plan: `prometheus` must not carry credentials: they would be printed and stored with the plan');
  });
});
