import { describe, expect, it } from 'vitest';
import { hiveKeys, METRICS } from '../../agent-runtime/src/contract';
import { formatFleetTracks } from '../../agent-runtime/src/config/fleet-tracks';
import { duplicateSeries, waitFor } from '../support/agent-process';
import { loadConfig } from '../../agent-runtime/src/config/runtime-config';
import { message } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { waitForResults } from '../support/hive-streams';

const hive = useHive();
const keys = hiveKeys();
const VALID = { HIVE_ROLE: 'developer', POD_NAME: 'agent-developer-1', REDIS_URL: 'redis://redis:6379', ANTHROPIC_API_KEY: 'sk-ant-secret', ANTHROPIC_MODEL: 'claude-test' };

describe('tracks in the runtime', () => {
  it('serves the stable track unless HIVE_TRACK names another, and refuses a bad or reserved name', () => {
    expect(loadConfig(VALID).track).toBe('stable');
    expect(loadConfig({ ...VALID, HIVE_TRACK: 'green' }).track).toBe('green');
    expect(() => loadConfig({ ...VALID, HIVE_TRACK: 'Green!' })).toThrow("Expected `HIVE_TRACK` to name a track: a track name is 1-31 lowercase letters, digits or '-', starting with a letter, got `Green!`");
    expect(() => loadConfig({ ...VALID, HIVE_TRACK: 'legacy' })).toThrow('Expected `HIVE_TRACK` to name a track: the track name `legacy` is reserved');
  });

  it('reads the fleet\'s other tracks from HIVE_FLEET_TRACKS, as infra renders them, and refuses a pair it cannot housekeep, naming it', () => {
    const tracks = [
      { role: 'developer', track: 'green' },
      { role: 'qa', track: 'canary-2' },
    ] as const;
    expect(loadConfig({ ...VALID, HIVE_FLEET_TRACKS: formatFleetTracks(tracks) }).fleetTracks).toEqual(tracks);
    expect(loadConfig(VALID).fleetTracks).toEqual([]);
    const refusal = (value: string) => () => loadConfig({ ...VALID, HIVE_FLEET_TRACKS: value });
    const prefix = 'Expected `HIVE_FLEET_TRACKS` to list <role>:<track> pairs separated by commas: ';
    expect(refusal('developer')).toThrow(`${prefix}\`developer\` is not <role>:<track>`);
    expect(refusal('meta:green')).toThrow(`${prefix}\`meta:green\`: the role must be one of architect, developer, qa (meta has no tracks)`);
    expect(refusal('developer:stable')).toThrow(`${prefix}\`developer:stable\`: the stable track is always included, list only the others`);
    expect(refusal('developer:legacy')).toThrow('the track name `legacy` is reserved');
    expect(refusal('developer:Green')).toThrow("`developer:Green`: a track name is 1-31 lowercase letters");
    expect(refusal('qa:a,qa:a')).toThrow(`${prefix}\`qa:a\` is listed twice`);
  });

  it('refuses a track for meta, the coordination singleton', () => {
    expect(() => loadConfig({ ...VALID, HIVE_ROLE: 'meta', HIVE_TRACK: 'green' })).toThrow('Expected no `HIVE_TRACK` for meta, the coordination singleton, got `green`');
    expect(loadConfig({ ...VALID, HIVE_ROLE: 'meta', HIVE_TRACK: 'stable' }).track).toBe('stable');
  });

  it("has meta publish the backlog of every track stream HIVE_FLEET_TRACKS names, labelled with the stream's track", async () => {
    await hive.api(() => message([{ type: 'text', text: 'done' }], 'end_turn', { input_tokens: 1, output_tokens: 1 }));
    const meta = await hive.startAgent('meta', 'agent-meta-1', { HIVE_CLAIM_IDLE_MS: '1000', HIVE_FLEET_TRACKS: 'developer:green,qa:canary' });
    await meta.waitForReadiness(200);
    const client = hive.client();
    // No agent of these tracks runs: the tasks wait, and meta must see them on their own streams.
    for (let i = 0; i < 3; i++) await client.xadd(keys.tasks('developer', 'green'), '*', 'id', `green-${i}`, 'payload', '{"instructions":"x"}');
    await client.xadd(keys.tasks('developer'), '*', 'id', 'stable-0', 'payload', '{"instructions":"x"}');

    const backlog = (role: string, track: string, value: number) => `${METRICS.queueBacklog}{role="${role}",track="${track}"} ${value}`;
    await waitFor(async () => (await meta.metrics()).includes(backlog('developer', 'green', 3)), 10_000, 'the green backlog');
    const scrape = await meta.metrics();
    expect(scrape).toContain(backlog('developer', 'stable', 1));
    expect(scrape).toContain(backlog('qa', 'canary', 0));
    expect(scrape).toContain(`${METRICS.deadLettersTotal}{role="developer",track="green"} 0`);
    expect(scrape).toContain(`${METRICS.orchestratorErrorsTotal}{role="developer",track="green",kind="dead_letter"} 0`);
    // Each series once: the stable ones keep the one series meta counts for its own track.
    expect(duplicateSeries(scrape)).toEqual([]);
  });

  it("lets an agent of a track take only its track's tasks, and a stable agent only the stable stream's", async () => {
    await hive.api(() => message([{ type: 'text', text: 'done' }], 'end_turn', { input_tokens: 1, output_tokens: 1 }));
    const green = await hive.startAgent('developer', 'agent-developer-green', { HIVE_TRACK: 'green' });
    const stable = await hive.startAgent('developer', 'agent-developer-stable');
    await Promise.all([green.waitForReadiness(200), stable.waitForReadiness(200)]);

    const client = hive.client();
    expect(keys.tasks('developer', 'green')).toBe('hive:tasks:developer:green');
    const payload = JSON.stringify({ instructions: 'Say done.' });
    for (let i = 0; i < 4; i++) {
      await client.xadd(keys.tasks('developer', 'green'), '*', 'id', `green-${i}`, 'payload', payload);
      await client.xadd(keys.tasks('developer'), '*', 'id', `stable-${i}`, 'payload', payload);
    }
    const results = await waitForResults(client, 8);

    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(results.filter((r) => r.agent === 'agent-developer-green').map((r) => r.taskId).sort()).toEqual(['green-0', 'green-1', 'green-2', 'green-3']);
    expect(results.filter((r) => r.agent === 'agent-developer-stable').map((r) => r.taskId).sort()).toEqual(['stable-0', 'stable-1', 'stable-2', 'stable-3']);

    // Every series says which track it measures, so gates and alerts can compare tracks.
    expect(await green.metrics()).toContain('hive_tasks_total{role="developer",outcome="succeeded",track="green"} 4');
    expect(await stable.metrics()).toContain('hive_tasks_total{role="developer",outcome="succeeded",track="stable"} 4');
    expect((await green.metrics()).split('\n').filter((l) => l.startsWith('hive_') && !l.includes('track="green"'))).toEqual([]);
  });
});
