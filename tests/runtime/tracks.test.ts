import { describe, expect, it } from 'vitest';
import { hiveKeys } from '../../agent-runtime/src/contract';
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
