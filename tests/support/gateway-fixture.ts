import type { Client } from '@a2a-js/sdk/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { connectGateway } from '../../agent-runtime/src/cli/gateway-client';
import { AgentRole } from '../../agent-runtime/src/contract';
import { createClientToken } from '../../agent-runtime/src/gateway/client-tokens';
import { AgentProcess, GATEWAY_ENTRY_POINT } from './agent-process';
import { freePort } from './free-port';
import { HiveFixture, useHive } from './hive-fixture';
import { PostgresServer } from './postgres-server';

/** The two clients every gateway test has. */
export type ClientName = 'alice' | 'bob';

/** A gateway started through its entry point, and its URL. */
export interface GatewayProcess extends AgentProcess {
  readonly url: string;
}

export interface GatewayFixture extends HiveFixture {
  /** Bearer tokens of the test clients. */
  readonly tokens: Readonly<Record<ClientName, string>>;
  /** The task history's PostgreSQL, when the fixture runs on it. */
  readonly postgres?: PostgresServer;
  startGateway(env?: Record<string, string>): Promise<GatewayProcess>;
  /** An SDK client of a role, as one of the test clients. */
  a2a(gateway: GatewayProcess, role: AgentRole, client?: ClientName, transport?: 'JSONRPC' | 'HTTP+JSON'): Promise<Client>;
}

/**
 * Redis, agents and the scripted API (useHive), plus gateways on a task
 * history in SQLite or a real PostgreSQL, each new per test file and emptied
 * after each test.
 */
export function useGateway(database: 'sqlite' | 'postgres'): GatewayFixture {
  const hive = useHive();
  const dir = mkdtempSync(join(tmpdir(), 'hive-gw-'));
  const alice = createClientToken('alice');
  const bob = createClientToken('bob');
  const tokensFile = join(dir, 'tokens');
  writeFileSync(tokensFile, `# test clients\n${alice.line}\n${bob.line}\n`);
  const tokens = { alice: alice.token, bob: bob.token };
  const gateways: AgentProcess[] = [];
  let postgres: PostgresServer | undefined;
  let databases = 0;
  /** The test's task history, shared by the gateways it starts. */
  let history: Record<string, string> | undefined;

  beforeAll(async () => {
    if (database === 'postgres') postgres = await PostgresServer.start();
  }, 30_000);
  afterAll(async () => {
    await postgres?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
    history = undefined;
  });

  return {
    ...hive,
    get redis() {
      return hive.redis;
    },
    tokens,
    get postgres() {
      return postgres;
    },
    async startGateway(env = {}) {
      const port = await freePort();
      // A fresh history per test: a new SQLite file, or a new PostgreSQL database.
      history ??= postgres ? { DATABASE_URL: await newDatabase(postgres, `t${++databases}`) } : { HIVE_GATEWAY_SQLITE_PATH: join(dir, `history-${++databases}.db`) };
      const gateway = await AgentProcess.start(
        { REDIS_URL: hive.redis.url, HIVE_GATEWAY_PORT: String(port), HIVE_GATEWAY_TOKENS_FILE: tokensFile, HIVE_PUBLIC_URL: `http://127.0.0.1:${port}`, POD_NAME: `gateway-${gateways.length}`, ...history, ...env },
        GATEWAY_ENTRY_POINT,
      );
      gateways.push(gateway);
      await gateway.waitForReadiness(200, 30_000);
      return Object.assign(gateway, { url: gateway.env.HIVE_PUBLIC_URL });
    },
    a2a(gateway, role, client = 'alice', transport = 'JSONRPC') {
      return connectGateway({ url: gateway.url, token: tokens[client], role, transport });
    },
  };
}

async function newDatabase(postgres: PostgresServer, name: string): Promise<string> {
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return postgres.url.replace(/\/postgres$/, `/${name}`);
}
