/**
 * Figures of the A2A gateway on this machine, through the real entry points,
 * a real redis-server and the local Messages-API server answering at once:
 *   1. non-blocking SendMessage latency at a paced rate (default 200/s) against
 *      one gateway (target: p99 < 20 ms);
 *   2. what the gateway adds to dispatch: enqueue-to-first-model-call through
 *      SendMessage against a direct XADD, interleaved at the same rate, with
 *      developer agents waiting (target: < 5 ms more at p99).
 * The task history is SQLite unless `-- --postgres` (a real PostgreSQL, started here).
 * Prints a table and writes .bench/gateway.json. A figure, not a test.
 * Env: BENCH_RATE (SendMessage/s, default 200), BENCH_SECONDS (default 10),
 * BENCH_DISPATCH_TASKS (default 400), BENCH_AGENTS (default 8).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hiveKeys } from '../agent-runtime/src/contract';
import { createClientToken } from '../agent-runtime/src/gateway/client-tokens';
import { AgentProcess, GATEWAY_ENTRY_POINT } from '../tests/support/agent-process';
import { FakeMessagesApi, text } from '../tests/support/fake-messages-api';
import { freePort } from '../tests/support/free-port';
import { PostgresServer } from '../tests/support/postgres-server';
import { RedisServer } from '../tests/support/redis-server';
import { round, summarize } from './bench/percentiles';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DISPATCH_TASKS = Number(process.env.BENCH_DISPATCH_TASKS ?? 400);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 8);
/** Dispatch is measured at a rate the agents keep up with: the figure is the path, not a queue. */
const DISPATCH_RATE = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sendMessage(marker: string): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: marker,
    method: 'SendMessage',
    params: { message: { messageId: marker, role: 'ROLE_USER', parts: [{ text: `task ${marker}` }] }, configuration: { returnImmediately: true } },
  });
}

/** Calls `send(i)` every 1000/rate ms, without waiting for earlier calls (an open loop), and returns each call's milliseconds. */
async function paced(count: number, rate: number, send: (i: number) => Promise<void>): Promise<number[]> {
  const start = performance.now();
  const calls: Array<Promise<number>> = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    calls.push(send(i).then(() => performance.now() - sent));
  }
  return Promise.all(calls);
}

async function main(): Promise<void> {
  const usePostgres = process.argv.includes('--postgres');
  const dir = mkdtempSync(join(tmpdir(), 'hive-bench-gw-'));
  const redis = await RedisServer.start();
  const postgres = usePostgres ? await PostgresServer.start() : undefined;
  const firstCall = new Map<string, number>();
  const api = new FakeMessagesApi((request) => {
    const marker = /task ([\w-]+)/.exec(JSON.stringify(request.body.messages[0]))?.[1];
    if (marker && !firstCall.has(marker)) firstCall.set(marker, performance.now() + performance.timeOrigin);
    return text('done');
  });
  const apiBaseUrl = await api.start();
  const { token, line } = createClientToken('bench');
  writeFileSync(join(dir, 'tokens'), `${line}\n`);
  const port = await freePort();
  const processes: AgentProcess[] = [];
  try {
    const gateway = await AgentProcess.start(
      {
        REDIS_URL: redis.url,
        HIVE_GATEWAY_PORT: String(port),
        HIVE_GATEWAY_TOKENS_FILE: join(dir, 'tokens'),
        HIVE_GATEWAY_RATE_LIMIT: '100000',
        HIVE_GATEWAY_MAX_IN_FLIGHT: '1000000',
        HIVE_LOG_LEVEL: 'warn',
        POD_NAME: 'gateway-bench',
        ...(postgres ? { DATABASE_URL: postgres.url } : { HIVE_GATEWAY_SQLITE_PATH: join(dir, 'history.db') }),
      },
      GATEWAY_ENTRY_POINT,
    );
    processes.push(gateway);
    await gateway.waitForReadiness(200, 30_000);
    const url = `http://127.0.0.1:${port}/a2a/developer/jsonrpc`;
    const headers = { 'content-type': 'application/json', 'A2A-Version': '1.0', Authorization: `Bearer ${token}` };
    const post = async (marker: string) => {
      const response = await fetch(url, { method: 'POST', headers, body: sendMessage(marker) });
      const body = (await response.json()) as { error?: { message: string } };
      if (!response.ok || body.error) throw new Error(`SendMessage failed: ${response.status} ${body.error?.message}`);
    };

    // 1. SendMessage latency, no agents (the tasks wait in the stream), after a warm-up.
    await paced(200, 100, () => post(`warm-${randomUUID()}`));
    const sendMs = await paced(RATE * SECONDS, RATE, () => post(randomUUID()));

    // 2. Dispatch through the gateway against a direct XADD, to agents that wait.
    const client = redis.client();
    await client.del(hiveKeys().tasks('developer'));
    for (let i = 0; i < AGENTS; i++) {
      const agent = await AgentProcess.start({ HIVE_ROLE: 'developer', POD_NAME: `dev-${i}`, REDIS_URL: redis.url, ANTHROPIC_BASE_URL: apiBaseUrl, HIVE_CLAIM_IDLE_MS: '60000', HIVE_LOG_LEVEL: 'warn' });
      processes.push(agent);
    }
    await Promise.all(processes.slice(1).map((a) => a.waitForReadiness(200, 30_000)));
    const sentAt = new Map<string, number>();
    const submit = async (i: number, direct: boolean) => {
      const marker = `${direct ? 'xadd' : 'a2a'}-${i}-${randomUUID()}`;
      sentAt.set(marker, performance.now() + performance.timeOrigin);
      if (direct) await client.xadd(hiveKeys().tasks('developer'), '*', 'id', marker, 'payload', JSON.stringify({ instructions: `task ${marker}` }));
      else await post(marker);
    };
    await paced(100, DISPATCH_RATE, (i) => submit(i, i % 2 === 0)); // warm-up of the agents
    await sleep(1_000);
    firstCall.clear();
    sentAt.clear();
    await paced(DISPATCH_TASKS, DISPATCH_RATE, (i) => submit(i, i % 2 === 0));
    await sleep(2_000);
    const dispatch = (prefix: string) => [...sentAt].filter(([m]) => m.startsWith(prefix)).map(([m, t]) => (firstCall.get(m) ?? Number.NaN) - t);
    const [viaXadd, viaGateway] = [dispatch('xadd-'), dispatch('a2a-')];
    const missing = [...viaXadd, ...viaGateway].filter(Number.isNaN).length;
    const r = (s: ReturnType<typeof summarize>) => ({ count: s.count, p50: round(s.p50, 2), p99: round(s.p99, 2), max: round(s.max, 2) });

    const figures = {
      history: usePostgres ? 'postgresql' : 'sqlite',
      sendMessageMs: { ratePerSecond: RATE, seconds: SECONDS, ...r(summarize(sendMs)), target: 'p99 < 20 ms' },
      dispatchMs: {
        ratePerSecond: DISPATCH_RATE,
        agents: AGENTS,
        directXadd: r(summarize(viaXadd.filter((n) => !Number.isNaN(n)))),
        throughGateway: r(summarize(viaGateway.filter((n) => !Number.isNaN(n)))),
        missing,
        target: 'gateway p99 - direct p99 < 5 ms',
      },
    };
    const added = round(figures.dispatchMs.throughGateway.p99 - figures.dispatchMs.directXadd.p99, 2);
    console.log(`gateway bench (${figures.history}), ${new Date().toISOString()}`);
    console.table({
      [`SendMessage at ${RATE}/s`]: { p50: figures.sendMessageMs.p50, p99: figures.sendMessageMs.p99, max: figures.sendMessageMs.max, target: figures.sendMessageMs.target },
      'dispatch via XADD': { ...figures.dispatchMs.directXadd, target: '' },
      'dispatch via gateway': { ...figures.dispatchMs.throughGateway, target: `adds ${added} ms at p99 (< 5)` },
    });
    mkdirSync(resolve('.bench'), { recursive: true });
    writeFileSync(resolve('.bench', `gateway${usePostgres ? '-postgres' : ''}.json`), `${JSON.stringify({ ...figures, gatewayAddsP99Ms: added }, null, 2)}\n`);
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await api.stop();
    await redis.destroy();
    await postgres?.destroy();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
