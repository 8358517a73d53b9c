import { describe, expect, it } from 'vitest';
import { METRICS } from '../../agent-runtime/src/contract';
import { waitFor } from '../support/agent-process';
import { text } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { enqueue, waitForResults } from '../support/hive-streams';

const hive = useHive();

describe('agent metrics', () => {
  it('serve every contract metric, and meta publishes the backlog of every role', async () => {
    await hive.api(() => text('done'));
    const meta = await hive.startAgent('meta', 'agent-meta-1', { HIVE_CLAIM_IDLE_MS: '1000' });
    const developer = await hive.startAgent('developer', 'agent-developer-1', { HIVE_CONCURRENCY: '3' });
    await Promise.all([meta.waitForReadiness(200), developer.waitForReadiness(200)]);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-m1', { instructions: 'x' });
    await waitForResults(client, 1);
    // No architect agent runs: these three wait, and meta must see them.
    for (const id of ['a1', 'a2', 'a3']) await enqueue(client, 'architect', id, { instructions: 'x' });
    await waitFor(async () => (await meta.metrics()).includes(`${METRICS.queueBacklog}{role="architect",track="stable"} 3`), 10_000, 'the architect backlog');

    const scrape = (await meta.metrics()) + (await developer.metrics());
    const missing = Object.values(METRICS).filter((name) => !new RegExp(`^${name}(_bucket|_sum|_count)?[{ ]`, 'm').test(scrape));
    expect(missing).toEqual([]);
    expect(scrape).toContain(`${METRICS.queueBacklog}{role="developer",track="stable"} 0`);
    expect(await developer.metrics()).toContain(`${METRICS.agentCapacity}{role="developer",track="stable"} 3`);
    expect(await developer.metrics()).toMatch(new RegExp(`${METRICS.agentSpawnSeconds}\\{role="developer",track="stable"\\} 0\\.\\d+`));
    expect(await developer.metrics()).toContain(`${METRICS.taskDurationSeconds}_bucket{le="600",track="stable",role="developer",outcome="succeeded"} 1`);
  });
});
