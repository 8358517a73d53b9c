import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { AgentRole, BRIDGE_ENV, ENV, hiveKeys, ROLLOUT_ENV } from '../../agent-runtime/src/contract';
import { AgentProcess, BRIDGE_ENTRY_POINT, waitFor } from './agent-process';
import { FakeMessagesApi, Script } from './fake-messages-api';
import { HiveFixture, useHive } from './hive-fixture';
import { HiveProcess } from './hive-cli';
import { loadChartsOut } from './manifests';
import { ruleGroups } from './monitoring-queries';
import { PrometheusServer } from './prometheus-server';

/** A `hive rollout --plan` file holding `plan`. */
export function writePlan(plan: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hive-plan-')), 'plan.json');
  writeFileSync(path, JSON.stringify(plan));
  return path;
}

/** The gates' window in these tests: six scrapes, so a scrape missed on a busy machine still leaves data. */
export const GATE_WINDOW = '6s';

/** The series the default gates read, per agent. */
const GATE_METRICS = ['hive_tasks_total', 'hive_llm_tokens_total', 'hive_task_pickup_latency_seconds_bucket'];

/** The list the old producers write in these tests. */
export const SOURCE_LIST = 'oldq:incoming';

/** One track's agents: how its Messages API answers, and how many agents. */
export interface TrackSpec {
  readonly api: Script;
  readonly agents?: number;
  readonly env?: Record<string, string>;
}

export interface RolloutFleet extends HiveFixture {
  /** Agents of each track (role developer), then a Prometheus scraping them every second with the chart's rules. */
  startTracks(tracks: Readonly<Record<string, TrackSpec>>, role?: AgentRole): Promise<PrometheusServer>;
  /** The bridge from SOURCE_LIST; `legacyList` is the old workers' list, if any. */
  startBridge(role?: AgentRole, legacyList?: string): Promise<AgentProcess>;
  /** `hive rollout ...` against this Redis and Prometheus. */
  rollout(args: readonly string[], env?: Record<string, string>): HiveProcess;
  /** Waits until the bridge has routed everything in the source list. */
  drained(role?: AgentRole): Promise<void>;
  /** Adds a task to each track's stream every 200 ms until the test ends, so every step's gates see finished tasks. */
  keepBusy(tracks: readonly string[], role?: AgentRole): void;
}

/** Redis (useHive), agents of several tracks with their own scripted APIs, a real Prometheus and the bridge, per test. */
export function useRolloutFleet(): RolloutFleet {
  const hive = useHive();
  const apis: FakeMessagesApi[] = [];
  const processes: AgentProcess[] = [];
  const clis: HiveProcess[] = [];
  const producers: NodeJS.Timeout[] = [];
  let prometheus: PrometheusServer | undefined;

  afterEach(async () => {
    producers.splice(0).forEach((producer) => clearInterval(producer));
    clis.splice(0).forEach((cli) => cli.stop());
    await Promise.all(processes.splice(0).map((p) => p.stop()));
    await Promise.all(apis.splice(0).map((api) => api.stop()));
    await prometheus?.stop();
    prometheus = undefined;
  });

  const staging = loadChartsOut().find((e) => e.env === 'staging')!.objects;

  return {
    ...hive,
    get redis() {
      return hive.redis;
    },
    async startTracks(tracks, role = 'developer') {
      const targets: Array<{ targets: string[]; labels: Record<string, string> }> = [];
      for (const [track, spec] of Object.entries(tracks)) {
        const api = new FakeMessagesApi(spec.api);
        apis.push(api);
        const baseUrl = await api.start();
        for (let i = 0; i < (spec.agents ?? 1); i++) {
          const pod = `${role}-${track}-${i}`;
          const agent = await hive.startAgent(role, pod, { [ENV.track]: track, ANTHROPIC_BASE_URL: baseUrl, HIVE_CONCURRENCY: '8', ...spec.env });
          targets.push({ targets: [`127.0.0.1:${agent.metricsPort}`], labels: { namespace: 'agent-hive-staging', pod } });
        }
      }
      // The chart's SLA rules, evaluated every second: the alerts gate reads what they fire.
      const groups = ruleGroups(staging).map((group) => ({ ...group, interval: '1s' }));
      prometheus = await PrometheusServer.start(
        { global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [{ job_name: 'agents', static_configs: targets }] },
        { 'agent-hive.rules.yaml': { groups } },
      );
      const server = prometheus;
      await waitFor(async () => (await server.query(`sum(hive_agent_ready{role="${role}"})`))[0]?.value[1] === String(targets.length), 20_000, 'Prometheus to see every agent ready');
      // Rates need two scrapes of every agent in the gates' window.
      const scraped = async (metric: string) => (await server.query(`count(count by (pod) (increase(${metric}{role="${role}"}[${GATE_WINDOW}])))`))[0]?.value[1] === String(targets.length);
      await waitFor(async () => (await Promise.all(GATE_METRICS.map(scraped))).every(Boolean), 20_000, 'two scrapes of every agent');
      return server;
    },
    async startBridge(role = 'developer', legacyList) {
      const bridge = await AgentProcess.start(
        { REDIS_URL: hive.redis.url, [BRIDGE_ENV.source]: SOURCE_LIST, [BRIDGE_ENV.role]: role, ...(legacyList ? { [BRIDGE_ENV.legacyList]: legacyList } : {}) },
        BRIDGE_ENTRY_POINT,
      );
      processes.push(bridge);
      await bridge.waitForReadiness(200);
      return bridge;
    },
    rollout(args, env = {}) {
      const cli = HiveProcess.start(['rollout', ...args], { env: { REDIS_URL: hive.redis.url, [ROLLOUT_ENV.prometheusUrl]: prometheus?.url ?? '', ...env } });
      clis.push(cli);
      return cli;
    },
    keepBusy(tracks, role = 'developer') {
      const redis = hive.client();
      const keys = hiveKeys();
      let sent = 0;
      const payload = JSON.stringify({ instructions: 'Say done.' });
      producers.push(setInterval(() => tracks.forEach((track) => void redis.xadd(keys.tasks(role, track), '*', 'id', `busy-${track}-${sent++}`, 'payload', payload).catch(() => undefined)), 200));
    },
    async drained(role = 'developer') {
      const redis = hive.client();
      await waitFor(async () => (await redis.llen(SOURCE_LIST)) + (await redis.llen(hiveKeys().bridgeProcessing(role))) === 0, 20_000, 'the bridge to route the source list');
    },
  };
}
