import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV, GATEWAY_ENV, GATEWAY_METRICS, hiveKeys } from '../../agent-runtime/src/contract';
import { createClientToken } from '../../agent-runtime/src/gateway/client-tokens';
import { GATEWAY_COMMAND } from '../../infra/constructs/gateway/gateway-deployment';
import { freePort } from '../../tests/support/free-port';
import { PostgresServer } from '../../tests/support/postgres-server';
import { RedisServer } from '../../tests/support/redis-server';
import { ContainerEngine } from './container-engine';
import { expectMetrics, request, smokeContainer, stopCleanly, waitUntilReady } from './smoke-container';

/** What a passing gateway smoke test measured. */
export interface GatewaySmokeReport {
  /** Container creation to /readyz 200, as seen from outside. */
  readonly spawnToReadyMs: number;
  /** The gateway's own start: its command started to /readyz 200 (migrations, Redis and PostgreSQL connections included). */
  readonly startToReadyMs: number;
  readonly stopMs: number;
}

/** Read-only, where the Deployment mounts the tokens Secret. */
const TOKENS_PATH = '/etc/hive-gateway/tokens';
/** Not the address the test calls: the card must take its URLs from HIVE_PUBLIC_URL, not from the request. */
const PUBLIC_URL = 'https://hive-smoke.example';
const ROLE = 'developer';
/** The gateway holds no task: it stops in about a second; Kubernetes allows it 30 s. */
const STOP_WITHIN_MS = 5_000;

/**
 * Runs the gateway from the base image, as Kubernetes does (GATEWAY_COMMAND),
 * against a real Redis and its task history in a real PostgreSQL (the image
 * builds no SQLite driver): ready, the role's agent card, a SendMessage with a
 * token enqueues one task and one without is refused 401, /metrics shows the
 * gateway contract, SIGTERM exits 0 and nothing is written outside
 * /app/workspace and /tmp. Call it when no agent reads Redis: the task stays queued.
 */
export async function gatewaySmokeTest(engine: ContainerEngine, image: string, redis: RedisServer, postgres: PostgresServer): Promise<GatewaySmokeReport> {
  const dir = mkdtempSync(join(tmpdir(), 'hive-gateway-smoke-'));
  const client = redis.client();
  try {
    const { token, line } = createClientToken('smoke');
    const tokensFile = join(dir, 'tokens');
    // Readable by the image's user through a Docker bind mount too.
    writeFileSync(tokensFile, `${line}\n`, { mode: 0o444 });
    const [port, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const queue = hiveKeys().tasks(ROLE);
    const queuedBefore = await client.xlen(queue);
    const started = Date.now();
    const container = engine.run(
      image,
      GATEWAY_COMMAND,
      {
        [ENV.podName]: 'smoke-gateway',
        [ENV.redisUrl]: redis.url,
        [GATEWAY_ENV.databaseUrl]: postgres.url,
        [GATEWAY_ENV.port]: String(port),
        [ENV.healthPort]: String(healthPort),
        [ENV.metricsPort]: String(metricsPort),
        [GATEWAY_ENV.publicUrl]: PUBLIC_URL,
        [GATEWAY_ENV.tokensFile]: TOKENS_PATH,
      },
      { [TOKENS_PATH]: tokensFile },
    );
    return await smokeContainer(container, async () => {
      const readyAt = await waitUntilReady(healthPort, `the gateway in ${image}`);

      const card = await request(port, `/a2a/${ROLE}/.well-known/agent-card.json`);
      if (card.status !== 200) throw new Error(`the ${ROLE} agent card answered ${card.status}`);
      const urls = (JSON.parse(card.body) as { supportedInterfaces?: Array<{ url: string }> }).supportedInterfaces?.map((i) => i.url);
      const expected = [`${PUBLIC_URL}/a2a/${ROLE}/jsonrpc`, `${PUBLIC_URL}/a2a/${ROLE}/rest`];
      if (JSON.stringify(urls) !== JSON.stringify(expected)) throw new Error(`the agent card's interfaces are ${JSON.stringify(urls)}, expected ${JSON.stringify(expected)}`);

      const send = (headers: Record<string, string>) =>
        request(port, `/a2a/${ROLE}/jsonrpc`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'SendMessage',
            params: { message: { messageId: 'smoke-1', role: 'ROLE_USER', parts: [{ text: 'smoke' }] }, configuration: { returnImmediately: true } },
          }),
        });
      const anonymous = await send({});
      if (anonymous.status !== 401) throw new Error(`a SendMessage without a token answered ${anonymous.status}, not 401`);
      const sent = await send({ Authorization: `Bearer ${token}` });
      const taskId = (JSON.parse(sent.body || '{}') as { result?: { task?: { id?: string } } }).result?.task?.id;
      if (sent.status !== 200 || !taskId) throw new Error(`SendMessage answered ${sent.status} without a task: ${sent.body}`);
      const added = (await client.xrange(queue, '-', '+')).slice(queuedBefore).map(([, fields]) => fields[fields.indexOf('id') + 1]);
      if (JSON.stringify(added) !== JSON.stringify([taskId])) throw new Error(`${queue} got the tasks ${JSON.stringify(added)}, not just ${taskId}`);

      expectMetrics((await request(metricsPort, '/metrics')).body, Object.values(GATEWAY_METRICS));
      const stopMs = await stopCleanly(container, STOP_WITHIN_MS);
      return { spawnToReadyMs: readyAt - started, startToReadyMs: readyAt - container.launchedAt, stopMs };
    });
  } finally {
    client.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
