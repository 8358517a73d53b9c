import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/agent-process';
import { text } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { enqueue, results } from '../support/hive-streams';

const hive = useHive();

const LIVE_PENDING = 1_000;
const CLAIM_IDLE_MS = 1_000;

describe('reclaim', () => {
  it("finds a dead agent's task within the claim timeout plus one reclaim round, behind 1,000 live pending entries", async () => {
    const api = await hive.api(() => text('reclaimed'));
    const client = hive.client();
    const stream = 'hive:tasks:developer';
    await client.xgroup('CREATE', stream, 'developer', '0', 'MKSTREAM');
    // 1,000 entries that a live agent holds and keeps renewing, ahead of the dead agent's one.
    const live: string[] = [];
    for (let i = 0; i < LIVE_PENDING; i++) live.push(await enqueue(client, 'developer', `live-${i}`, { instructions: 'held' }));
    await client.xreadgroup('GROUP', 'developer', 'agent-developer-live', 'COUNT', LIVE_PENDING, 'STREAMS', stream, '>');
    const renewLive = setInterval(() => void client.xclaim(stream, 'developer', 'agent-developer-live', 0, ...live, 'JUSTID'), 200);
    try {
      await enqueue(client, 'developer', 'orphan', { instructions: 'left behind' });
      await client.xreadgroup('GROUP', 'developer', 'agent-developer-dead', 'COUNT', 1, 'STREAMS', stream, '>');
      const orphanedAt = Date.now();

      const agent = await hive.startAgent('developer', 'agent-developer-rescuer', { HIVE_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS) });
      await waitFor(async () => (await results(client)).length === 1, 15_000, "the orphan's result");
      const elapsedMs = Date.now() - orphanedAt;
      const [result] = await results(client);
      expect(result).toMatchObject({ taskId: 'orphan', agent: 'agent-developer-rescuer', status: 'succeeded' });
      // A reclaim round every claimIdleMs / 2; the agent's own start-up (about 0.3 s) is in the margin.
      expect(elapsedMs).toBeLessThan(CLAIM_IDLE_MS + CLAIM_IDLE_MS / 2 + 1_000);
      expect(api.requests).toHaveLength(1);
      expect((await agent.waitForLog('task started')).reclaimed).toBe(true);
    } finally {
      clearInterval(renewLive);
    }
  });
});
