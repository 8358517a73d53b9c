import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { BRIDGE_ENV, hiveKeys } from '../../agent-runtime/src/contract';
import { setTrackWeights } from '../support/track-weights';
import { TrackRouter } from '../../agent-runtime/src/routing/track-router';
import { AgentProcess, BRIDGE_ENTRY_POINT, waitFor } from '../support/agent-process';
import { FakeMessagesApi, text, toolUse, turnOf } from '../support/fake-messages-api';
import { enqueue, pendingCount, waitForResults } from '../support/hive-streams';
import { legacyTask, routedIds } from '../support/legacy-queue';
import { RedisCluster } from '../support/redis-cluster';

const keys = hiveKeys('{hive}');
let cluster: RedisCluster;
let api: FakeMessagesApi;
let apiUrl: string;
let client: Cluster;
const agents: AgentProcess[] = [];

const start = async (role: 'developer' | 'meta', name: string, prefix: string) => {
  const agent = await AgentProcess.start({ HIVE_ROLE: role, POD_NAME: name, REDIS_URL: cluster.url, ANTHROPIC_BASE_URL: apiUrl, HIVE_KEY_PREFIX: prefix, HIVE_CLAIM_IDLE_MS: '1000' });
  agents.push(agent);
  return agent;
};

beforeAll(async () => {
  cluster = await RedisCluster.start();
  // The very first call hangs, so its agent dies holding the task.
  api = new FakeMessagesApi((request, call) =>
    turnOf(request) === 1 ? { ...toolUse('write_file', { path: 'out.txt', content: 'on a cluster' }), delayMs: call === 1 ? 60_000 : 0 } : text('done'),
  );
  apiUrl = await api.start();
  client = cluster.client();
}, 60_000);
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  client?.disconnect();
  await api?.stop();
  await cluster?.destroy();
});

describe('a real three-master Redis Cluster', () => {
  it('runs tasks, reclaims a dead agent’s task and keeps housekeeping going with a hash-tag prefix: every key in one slot', async () => {
    const doomed = await start('developer', 'agent-developer-c1', '{hive}');
    await doomed.waitForReadiness(200);
    for (let i = 0; i < 5; i++) await enqueue(client, 'developer', `cluster-${i}`, { instructions: 'write a file' }, undefined, keys);
    await waitFor(() => api.requests.length === 1, 10_000, 'the first call');
    doomed.kill('SIGKILL');
    const survivor = await start('developer', 'agent-developer-c2', '{hive}');
    const meta = await start('meta', 'agent-meta-c', '{hive}');

    const all = await waitForResults(client, 5, 20_000, keys);
    expect(new Set(all.map((r) => r.taskId)).size).toBe(5);
    expect(all.every((r) => r.status === 'succeeded' && r.output.files['out.txt'] === 'on a cluster')).toBe(true);
    expect(all.every((r) => r.agent === 'agent-developer-c2')).toBe(true);
    expect(survivor.logs.find((l) => l.event === 'task started' && l.taskId === 'cluster-0')).toMatchObject({ reclaimed: true, deliveries: 2 });
    expect(await client.hget(keys.result('cluster-4'), 'status')).toBe('succeeded');
    expect(await pendingCount(client, 'developer', keys)).toBe(0);
    await waitFor(async () => /hive_queue_backlog\{role="developer",track="stable"\} 0/.test(await meta.metrics()), 15_000, "meta's backlog figure");
    expect(survivor.logs.find((l) => l.event === 'consuming')).toMatchObject({ cluster: true, stream: '{hive}:tasks:developer' });
    // The hash tag is what puts them in one slot; the nodes agree.
    const slots = await Promise.all([keys.tasks('developer'), keys.results, keys.result('cluster-0')].map((key) => client.cluster('KEYSLOT', key)));
    expect(new Set(slots).size).toBe(1);
  }, 60_000);

  it('routes tasks exactly and bridges the old queue with a hash-tag prefix: the routing and bridge scripts touch keys of one slot', async () => {
    await setTrackWeights(client, keys, 'qa', { legacy: 50, stable: 25, green: 25 });
    const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };
    const router = new TrackRouter(client, silent, { keys, legacyList: '{hive}:oldq:work' });
    await router.start();
    try {
      const tracks = await Promise.all(Array.from({ length: 1000 }, () => router.trackFor('qa', randomUUID())));
      expect(Math.abs(tracks.filter((t) => t === 'legacy').length - 500)).toBeLessThanOrEqual(20);
    } finally {
      router.stop();
    }

    const bridge = await AgentProcess.start(
      { REDIS_URL: cluster.url, HIVE_KEY_PREFIX: '{hive}', [BRIDGE_ENV.source]: '{hive}:oldq:in', [BRIDGE_ENV.legacyList]: '{hive}:oldq:work', [BRIDGE_ENV.role]: 'qa' },
      BRIDGE_ENTRY_POINT,
    );
    agents.push(bridge);
    await bridge.waitForReadiness(200);
    await client.lpush('{hive}:oldq:in', ...Array.from({ length: 40 }, (_, i) => legacyTask(`b-${i}`)));
    await waitFor(async () => (await client.llen('{hive}:oldq:in')) + (await client.llen(keys.bridgeProcessing('qa'))) === 0, 15_000, 'the bridge to drain its source');
    const routed = await routedIds(client, 'qa', ['stable', 'green'], '{hive}:oldq:work', keys);
    expect([...routed.legacy, ...routed.stable, ...routed.green].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `b-${i}`).sort());
    expect(routed.legacy.length).toBe(20);
  }, 60_000);

  it('refuses at start, with a clear message, a prefix without a hash tag (an empty first tag does not count)', async () => {
    for (const prefix of ['hive', '{}{hive}']) {
      const agent = await start('developer', 'agent-developer-untagged', prefix);
      expect(await agent.exited).toEqual({ code: 1, signal: null });
      expect(agent.stderr).toContain(`Redis runs in cluster mode, but HIVE_KEY_PREFIX '${prefix}' has no hash tag: set it to one such as '{hive}'`);
    }
  });
});
