import { afterEach, describe, expect, it } from 'vitest';
import { BRIDGE_ENV, hiveKeys } from '../../agent-runtime/src/contract';
import { waitFor } from '../support/agent-process';
import { text } from '../support/fake-messages-api';
import { results } from '../support/hive-streams';
import { legacyTask } from '../support/legacy-queue';
import { LegacyWorker } from '../support/legacy-worker';
import { GATE_WINDOW, SOURCE_LIST, useRolloutFleet } from '../support/rollout-fleet';

const LEGACY_LIST = 'oldq:work';

describe('migrating from the old agents', () => {
  const fleet = useRolloutFleet();
  let oldWorker: LegacyWorker | undefined;
  afterEach(async () => oldWorker?.stop());

  it('moves the old producers’ work from the old workers to the fleet step by step, each task done once, none lost', async () => {
    await fleet.startTracks({ stable: { api: () => text('done'), agents: 2 } });
    oldWorker = LegacyWorker.start(fleet.redis.url, LEGACY_LIST);
    await fleet.startBridge('developer', LEGACY_LIST);
    const redis = fleet.client();
    let sent = 0;
    const produce = () => redis.lpush(SOURCE_LIST, ...Array.from({ length: 5 }, () => legacyTask(`m-${sent++}`)));
    // Deployed alongside: without weights the bridge hands everything to the old workers.
    await produce();
    await waitFor(async () => Object.keys(await oldWorker!.done(redis)).length === 5, 10_000, 'the old workers to do the first tasks');

    const env = { [BRIDGE_ENV.legacyList]: LEGACY_LIST };
    const dry = await fleet.rollout(['start', '--role', 'developer', '--from', 'legacy', '--to', 'stable', '--window', GATE_WINDOW, '--dry-run'], env).result;
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).not.toContain('tokens-per-task');

    const producer = setInterval(() => void produce(), 100);
    let migration;
    try {
      migration = await fleet.rollout(['start', '--role', 'developer', '--from', 'legacy', '--to', 'stable', '--soak', '3s', '--window', GATE_WINDOW], env).result;
    } finally {
      clearInterval(producer);
    }
    expect(migration.code, migration.stderr).toBe(0);
    for (const percent of [25, 50, 75, 100]) expect(migration.stderr).toContain(`: stable ${percent} %, legacy ${100 - percent} %`);
    expect(await redis.hgetall(hiveKeys().trackWeights('developer'))).toEqual({ legacy: '0', stable: '100' });

    // After the cutover, the old producers' new work goes to the fleet only.
    const after = sent;
    await produce();
    await fleet.drained();
    await waitFor(async () => Object.keys(await oldWorker!.done(redis)).length + (await results(redis)).length >= sent, 60_000, 'every task done');
    await new Promise((r) => setTimeout(r, 500));

    const oldDone = await oldWorker.done(redis);
    const fleetDone = (await results(redis)).map((r) => r.taskId);
    expect(Object.values(oldDone).every((times) => times === 1)).toBe(true);
    expect(new Set(fleetDone).size).toBe(fleetDone.length);
    expect(fleetDone.filter((id) => id in oldDone)).toEqual([]);
    expect(new Set([...Object.keys(oldDone), ...fleetDone])).toEqual(new Set(Array.from({ length: sent }, (_, i) => `m-${i}`)));
    expect(Array.from({ length: sent - after }, (_, i) => `m-${after + i}`).every((id) => fleetDone.includes(id))).toBe(true);
    expect(Object.keys(oldDone).length).toBeGreaterThan(50);
  }, 120_000);
});
