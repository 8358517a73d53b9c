import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { AgentRole } from '../../agent-runtime/src/contract';
import { AgentProcess, ENTRY_POINT, RunAs } from './agent-process';
import { FakeMessagesApi, Script } from './fake-messages-api';
import { RedisServer } from './redis-server';

/** A real Redis for the test file, a scripted Messages API, and agents started through the entry point. */
export interface HiveFixture {
  readonly redis: RedisServer;
  /** A client for the test's own reads and writes (closed after each test). */
  client(): Redis;
  /** Starts the scripted API; one per test. */
  api(script: Script): Promise<FakeMessagesApi>;
  startAgent(role: AgentRole, name: string, env?: Record<string, string>, runAs?: RunAs): Promise<AgentProcess>;
}

/** Registers the hooks: Redis per file; API, agents and data cleaned after each test. */
export function useHive(): HiveFixture {
  let redis: RedisServer;
  let api: FakeMessagesApi | undefined;
  let baseUrl = '';
  const agents: AgentProcess[] = [];
  const clients: Redis[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => redis.destroy());
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await api?.stop();
    api = undefined;
    const cleaner = redis.client();
    await cleaner.flushall();
    cleaner.disconnect();
    clients.splice(0).forEach((c) => c.disconnect());
  });

  return {
    get redis() {
      return redis;
    },
    client() {
      const client = redis.client();
      clients.push(client);
      return client;
    },
    async api(script) {
      api = new FakeMessagesApi(script);
      baseUrl = await api.start();
      return api;
    },
    async startAgent(role, name, env = {}, runAs) {
      const agent = await AgentProcess.start({ HIVE_ROLE: role, POD_NAME: name, REDIS_URL: redis.url, ANTHROPIC_BASE_URL: baseUrl, ...env }, ENTRY_POINT, runAs);
      agents.push(agent);
      return agent;
    },
  };
}
