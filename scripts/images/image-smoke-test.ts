import { METRICS } from '../../agent-runtime/src/contract';
import { FakeMessagesApi } from '../../tests/support/fake-messages-api';
import { freePort } from '../../tests/support/free-port';
import { enqueue, waitForResults } from '../../tests/support/hive-streams';
import { RedisServer } from '../../tests/support/redis-server';
import { ContainerEngine } from './container-engine';
import { expectMetrics, request, smokeContainer, stopCleanly, waitUntilReady } from './smoke-container';

/** What a passing smoke test measured. */
export interface SmokeReport {
  /** Container creation to /readyz 200, as seen from outside. */
  readonly spawnToReadyMs: number;
  /** Process start to ready inside the container (hive_agent_spawn_seconds). */
  readonly spawnSecondsInside: number;
  readonly stopMs: number;
}

const GRACE_MS = 5_000;

/**
 * Runs a role image against a real Redis and the local Messages-API server,
 * after checking its configuration (a HEALTHCHECK, nothing of the build host's
 * CA settings): probes answer, /metrics shows the contract, one task is processed, SIGTERM
 * exits 0 within the grace period, and nothing is written outside
 * /app/workspace and /tmp. Throws with the reason and the container's output.
 */
export async function smokeTest(engine: ContainerEngine, image: string, role: string, redis: RedisServer, api: FakeMessagesApi, apiUrl: string): Promise<SmokeReport> {
  const config = engine.config(image);
  if (!config.healthcheck) throw new Error('the image has no HEALTHCHECK (built in OCI format?); compose relies on it');
  const hostOnly = config.env.filter((entry) => entry.startsWith('NODE_EXTRA_CA_CERTS='));
  if (hostOnly.length > 0) throw new Error(`the image carries the build host's CA settings: ${hostOnly.join(', ')}`);
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const container = engine.run(image, ['node', '/app/agent-runtime/dist/main.js'], {
    POD_NAME: `smoke-${role}`,
    REDIS_URL: redis.url,
    ANTHROPIC_API_KEY: 'sk-ant-smoke-test',
    ANTHROPIC_MODEL: 'claude-smoke',
    ANTHROPIC_BASE_URL: apiUrl,
    HIVE_HEALTH_PORT: String(healthPort),
    HIVE_METRICS_PORT: String(metricsPort),
    HIVE_SHUTDOWN_GRACE_MS: String(GRACE_MS),
  });
  return smokeContainer(container, async () => {
    const spawnToReadyMs = (await waitUntilReady(healthPort, image)) - started;

    const client = redis.client();
    const requestsBefore = api.requests.length;
    await enqueue(client, role as 'qa', `smoke-${role}-${Date.now()}`, { instructions: 'smoke', files: { 'a.txt': 'x' } });
    const [result] = (await waitForResults(client, 1, 20_000)).filter((r) => r.role === role);
    await client.del('hive:results');
    client.disconnect();
    if (result?.status !== 'succeeded') throw new Error(`the smoke task did not succeed: ${JSON.stringify(result)}`);
    if (api.requests.length === requestsBefore) throw new Error('the agent answered without calling the Messages API');

    const metrics = (await request(metricsPort, '/metrics')).body;
    expectMetrics(metrics, Object.values(METRICS));
    const spawnSecondsInside = Number(new RegExp(`^${METRICS.agentSpawnSeconds}\\{[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);

    const stopMs = await stopCleanly(container, GRACE_MS + 2_000);
    return { spawnToReadyMs, spawnSecondsInside, stopMs };
  });
}
