import { describe, expect, it } from 'vitest';
import { ENV, hiveKeys } from '../../agent-runtime/src/contract';
import { AgentProcess, waitFor } from '../support/agent-process';
import { apiError, text } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { results } from '../support/hive-streams';

const hive = useHive();
const keys = hiveKeys();
const GREEN_MODEL = 'claude-green-candidate';
const COMPRESSED = { HIVE_LLM_BREAKER_OPEN_MS: '200', HIVE_LLM_BREAKER_MAX_OPEN_MS: '2000', HIVE_LLM_BREAKER_FAILURES: '2' };

const circuitState = async (agent: AgentProcess, track: string) => Number(new RegExp(`hive_llm_circuit_state\\{role="developer",track="${track}"\\} (\\d)`).exec(await agent.metrics())?.[1]);

describe('the circuit breaker of a track', () => {
  it('opens for the track whose model fails, and leaves the stable track of the role taking and finishing tasks', async () => {
    // One API for both tracks; it fails only the green track's model, as a new model's endpoint might.
    await hive.api((request) => (request.body.model === GREEN_MODEL ? { ...apiError(529, 'overloaded_error', 'Overloaded'), headers: { 'retry-after-ms': '10' } } : text('done')));
    const stable = await hive.startAgent('developer', 'developer-stable-0', COMPRESSED);
    const green = await hive.startAgent('developer', 'developer-green-0', { ...COMPRESSED, [ENV.track]: 'green', [ENV.anthropicModel]: GREEN_MODEL });
    await Promise.all([stable, green].map((agent) => agent.waitForReadiness(200)));
    const redis = hive.client();

    for (let i = 0; i < 5; i++) await redis.xadd(keys.tasks('developer', 'green'), '*', 'id', `green-${i}`, 'payload', JSON.stringify({ instructions: 'Say done.' }));
    await waitFor(async () => (await circuitState(green, 'green')) === 2, 20_000, 'the green track’s breaker to open');

    // While green's breaker is open, stable's stays closed (sampled all along) and stable finishes its tasks.
    for (let i = 0; i < 10; i++) await redis.xadd(keys.tasks('developer'), '*', 'id', `stable-${i}`, 'payload', JSON.stringify({ instructions: 'Say done.' }));
    const stableStates = new Set<number>();
    await waitFor(
      async () => {
        stableStates.add(await circuitState(stable, 'stable'));
        return (await results(redis)).filter((r) => r.taskId.startsWith('stable-')).length === 10;
      },
      15_000,
      'stable to finish its tasks',
    );
    expect([...stableStates]).toEqual([0]);
    expect((await results(redis)).filter((r) => r.taskId.startsWith('stable-')).every((r) => r.status === 'succeeded')).toBe(true);
    expect(await circuitState(green, 'green')).toBeGreaterThan(0);
    expect(await redis.hget(keys.breaker('developer', 'green'), 'state')).not.toBe('closed');
    expect(await redis.hget(keys.breaker('developer'), 'state')).not.toBe('open');
  }, 60_000);
});
