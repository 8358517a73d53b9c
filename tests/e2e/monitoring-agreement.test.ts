/**
 * Runtime, manifests and monitoring agree: a real Prometheus, configured from
 * charts-out (scrape config from the ServiceMonitors, rules from the
 * PrometheusRule), scrapes one real agent per role started with exactly the
 * env the Deployments set. Only hosts and ports are moved to loopback, and the
 * alerts' `for:` is shortened through the environment config (alerts.forScale).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_ROLES, AgentRole, ENV, METRICS, REQUIRED_ENV } from '../../agent-runtime/src/contract';
import { loadConfig } from '../../agent-runtime/src/config/runtime-config';
import { environmentApp, roleImages } from '../../infra/chart/environment-app';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { computeImageTags } from '../../infra/images/image-tags';
import { AgentProcess, waitFor } from '../support/agent-process';
import { apiError, FakeMessagesApi, RecordedRequest, text } from '../support/fake-messages-api';
import { freePort } from '../support/free-port';
import { enqueue, waitForResults } from '../support/hive-streams';
import { byKind, describe as describeObject, KubeObject, loadChartsOut, selects } from '../support/manifests';
import { adapterRules, allQueries, hpaMetricNames, ruleGroups } from '../support/monitoring-queries';
import { contractSeriesNames, metricNames } from '../support/promql';
import { ActiveAlert, PrometheusServer } from '../support/prometheus-server';
import { RedisServer } from '../support/redis-server';
import { REPO_ROOT } from '../support/repo';
import { containerPort, deploymentEnv } from './deployment-env';

const ENVIRONMENT = 'staging';
/** 1 % of production `for:` durations: 60 s -> 1 s, 600 s -> 6 s, 900 s -> 9 s. */
const FOR_SCALE = 0.01;
const SECRET_VALUES: Record<string, string> = { 'agent-hive-anthropic/api-key': 'sk-ant-e2e', 'agent-hive-redis/password': 'redis-e2e-password' };

const committed = loadChartsOut().find((e) => e.env === ENVIRONMENT)!.objects;
const environment = loadEnvironment(REPO_ROOT, ENVIRONMENT);
const deployments = Object.fromEntries(AGENT_ROLES.map((role) => [role, byKind(committed, 'Deployment').find((d) => d.metadata.name === `agent-${role}`)!])) as Record<
  AgentRole,
  KubeObject
>;

/** The LLM stand-in: normal answers, unless a breach below makes a role's calls fail or wait. */
const llm = { failRole: undefined as AgentRole | undefined, slowRole: undefined as AgentRole | undefined };
const roleOf = (request: RecordedRequest) => AGENT_ROLES.find((role) => request.body.system?.includes(`${role} agent`));

let redis: RedisServer;
let api: FakeMessagesApi;
let prometheus: PrometheusServer;
const agents = {} as Record<AgentRole, AgentProcess>;
const loopbackPorts = {} as Record<AgentRole, { health: number; metrics: number }>;

beforeAll(async () => {
  redis = await RedisServer.start();
  const setup = redis.client();
  await setup.config('SET', 'requirepass', SECRET_VALUES['agent-hive-redis/password']);
  setup.disconnect();
  api = new FakeMessagesApi((request) => {
    const role = roleOf(request);
    if (role && role === llm.failRole) return apiError(400, 'invalid_request_error', 'injected failure');
    return role && role === llm.slowRole ? { ...text('slow'), delayMs: 4_000 } : text('done');
  });
  const apiUrl = await api.start();

  for (const role of AGENT_ROLES) {
    const env = deploymentEnv(committed, deployments[role], {
      secret: (name, key) => SECRET_VALUES[`${name}/${key}`] ?? fail(`no test value for Secret ${name}/${key}`),
      podName: `agent-${role}-e2e`,
    });
    loopbackPorts[role] = { health: await freePort(), metrics: await freePort() };
    agents[role] = await AgentProcess.start({
      ...env,
      // Hosts and ports moved to loopback; everything else as the Deployment sets it.
      REDIS_URL: redis.url,
      ANTHROPIC_BASE_URL: apiUrl,
      HIVE_HEALTH_PORT: String(loopbackPorts[role].health),
      HIVE_METRICS_PORT: String(loopbackPorts[role].metrics),
      HIVE_WORKSPACE_DIR: mkdtempSync(join(tmpdir(), `hive-e2e-${role}-`)),
    });
  }
  await Promise.all(AGENT_ROLES.map((role) => agents[role].waitForReadiness(200)));

  const scaled = environmentApp({ ...environment, alerts: { ...environment.alerts, forScale: FOR_SCALE } }, roleImages(environment, computeImageTags(REPO_ROOT)));
  const rules = ruleGroups(scaled.chart.toJson() as KubeObject[]).map((group) => ({ ...group, interval: '1s' }));
  prometheus = await PrometheusServer.start({ global: { evaluation_interval: '1s' }, scrape_configs: scrapeConfigs() }, { 'agent-hive.rules.yaml': { groups: rules } });
}, 90_000);

afterAll(async () => {
  await Promise.all(Object.values(agents).map((a) => a.stop()));
  await prometheus?.stop();
  await api?.stop();
  await redis?.destroy();
});

/** One scrape job per ServiceMonitor endpoint, as the Prometheus operator would generate it. */
function scrapeConfigs(): object[] {
  return byKind(committed, 'ServiceMonitor').flatMap((monitor) => {
    const service = byKind(committed, 'Service').find((s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels))!;
    const role = service.metadata.labels!['agent-hive/role'] as AgentRole;
    return monitor.spec.endpoints.map((endpoint: { port: string; path: string; interval: string }, index: number) => {
      const servicePort = service.spec.ports.find((p: { name: string }) => p.name === endpoint.port);
      const port = containerPort(deployments[role], servicePort.targetPort);
      expect(port, `${monitor.metadata.name}: the scraped container port is the one the agent serves metrics on`).toBe(
        Number(deploymentEnv(committed, deployments[role], { secret: () => 'x', podName: 'x' })[ENV.metricsPort]),
      );
      return {
        job_name: `serviceMonitor/${monitor.metadata.namespace}/${monitor.metadata.name}/${index}`,
        scrape_interval: endpoint.interval,
        metrics_path: endpoint.path,
        static_configs: [
          {
            targets: [`127.0.0.1:${loopbackPorts[role].metrics}`],
            labels: { namespace: environment.namespace, service: service.metadata.name, pod: `agent-${role}-e2e`, endpoint: endpoint.port },
          },
        ],
      };
    });
  });
}

function fail(message: string): never {
  throw new Error(message);
}

const active = (alerts: ActiveAlert[], alertname: string, role?: string) =>
  alerts.some((a) => a.labels.alertname === alertname && (role === undefined || a.labels.role === role));

describe(`runtime, manifests and monitoring agree (charts-out/${ENVIRONMENT})`, () => {
  it('changes nothing but the alerts’ `for:` when the environment shortens them', () => {
    const scaled = environmentApp({ ...environment, alerts: { ...environment.alerts, forScale: FOR_SCALE } }, roleImages(environment, computeImageTags(REPO_ROOT)));
    const withoutFor = (o: KubeObject) =>
      o.kind === 'PrometheusRule' ? { ...o, spec: { groups: ruleGroups([o]).map((g) => ({ ...g, rules: g.rules.map(({ for: _for, ...rule }) => rule) })) } } : o;
    const keyed = (objects: readonly KubeObject[]) => Object.fromEntries(objects.map((o) => [describeObject(o), withoutFor(o)]));
    const scaledObjects = scaled.chart.toJson() as KubeObject[];
    expect(keyed(scaledObjects)).toEqual(keyed(committed));
    expect(ruleGroups(scaledObjects)[0].rules.map((r) => r.for)).not.toEqual(ruleGroups(committed)[0].rules.map((r) => r.for));
  });

  it('sets exactly the env vars the runtime reads: none unknown, none required and missing', () => {
    const read = new Set<string>(Object.values(ENV));
    // Every contract name is really read: a bad value changes the config or is rejected.
    const valid = deploymentEnv(committed, deployments.developer, { secret: (n, k) => SECRET_VALUES[`${n}/${k}`], podName: 'p' });
    for (const name of read) {
      const changed = (() => {
        try {
          return JSON.stringify(loadConfig({ ...valid, [name]: '77' })) !== JSON.stringify(loadConfig(valid));
        } catch {
          return true;
        }
      })();
      expect(changed, `the runtime ignores ${name}`).toBe(true);
    }
    for (const role of AGENT_ROLES) {
      const set = Object.keys(deploymentEnv(committed, deployments[role], { secret: () => 's', podName: 'p' }));
      expect(set.filter((name) => !read.has(name)), `agent-${role} sets unknown variables`).toEqual([]);
      expect(REQUIRED_ENV.filter((name) => !set.includes(name)), `agent-${role} lacks required variables`).toEqual([]);
    }
  });

  it('answers every probe path on the port the Deployment names', async () => {
    for (const role of AGENT_ROLES) {
      const container = deployments[role].spec.template.spec.containers[0];
      const env = deploymentEnv(committed, deployments[role], { secret: () => 's', podName: 'p' });
      for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const probe = container[kind];
        expect(probe, `agent-${role} ${kind}`).toBeDefined();
        // The probe's port is the one the runtime listens on for health, per the same manifests.
        expect(containerPort(deployments[role], probe.httpGet.port)).toBe(Number(env[ENV.healthPort]));
        const response = await agents[role].get(probe.httpGet.path, loopbackPorts[role].health);
        expect(response.status, `agent-${role} ${kind} ${probe.httpGet.path}`).toBe(200);
      }
    }
  });

  it('scrapes every agent, and every metric any alert, panel, HPA or adapter rule uses exists in the scrape', async () => {
    const client = redis.client(SECRET_VALUES['agent-hive-redis/password']);
    for (const role of AGENT_ROLES) for (let i = 0; i < 2; i++) await enqueue(client, role, `healthy-${role}-${i}`, { instructions: 'x' });
    await waitForResults(client, 8);
    client.disconnect();

    const used = new Set<string>([
      ...allQueries(committed).flatMap((q) => metricNames(q.expr!)),
      ...hpaMetricNames(committed).flatMap((use) => adapterRules(committed).filter(({ rule }) => rule.name.as === use.metric).flatMap(({ rule }) => metricNames(rule.seriesQuery))),
    ]);
    expect([...used].filter((m) => !Object.values(METRICS).flatMap(contractSeriesNames).includes(m))).toEqual([]);
    let scraped: string[] = [];
    await waitFor(
      async () => {
        const targets = await prometheus.targets();
        scraped = await prometheus.metricNames();
        return targets.length === AGENT_ROLES.length && targets.every((t) => t.health === 'up') && [...used].every((m) => scraped.includes(m));
      },
      60_000,
      'every target up and every used metric scraped',
    ).catch(async (error) => {
      throw new Error(`${(error as Error).message}; missing: ${[...used].filter((m) => !scraped.includes(m)).join(', ')}; targets: ${JSON.stringify(await prometheus.targets())}`);
    });
  }, 90_000);

  it('stays quiet while the fleet is healthy', async () => {
    // Longer than the longest shortened `for:` (9 s), with rules evaluated every second.
    await new Promise((r) => setTimeout(r, 12_000));
    expect((await prometheus.alerts()).map((a) => a.labels)).toEqual([]);
  }, 30_000);

  it('raises each SLA alert that can be driven on one machine, for the role that breaches it', async () => {
    const client = redis.client(SECRET_VALUES['agent-hive-redis/password']);
    // Failures: the LLM rejects every architect call.
    llm.failRole = 'architect';
    for (let i = 0; i < 3; i++) await enqueue(client, 'architect', `failing-${i}`, { instructions: 'x' });
    // Dispatch latency: developer calls take 4 s, so queued tasks wait for a free slot.
    llm.slowRole = 'developer';
    for (let i = 0; i < 8; i++) await enqueue(client, 'developer', `waiting-${i}`, { instructions: 'x' });
    // Dead letters: a malformed entry.
    await enqueue(client, 'meta', '', null, ['id', 'broken', 'payload', '{not json']);
    // No ready agent: the qa agent stops.
    agents.qa.kill('SIGTERM');
    client.disconnect();

    const expected: Array<[string, AgentRole]> = [
      ['HiveTaskFailureRateHigh', 'architect'],
      ['HiveDispatchLatencyHigh', 'developer'],
      ['HiveDeadLetters', 'meta'],
      ['HiveRoleNoReadyAgent', 'qa'],
    ];
    let alerts: ActiveAlert[] = [];
    await waitFor(
      async () => {
        alerts = await prometheus.alerts();
        return expected.every(([name, role]) => active(alerts, name, role));
      },
      150_000,
      'every driven alert',
    ).catch((error) => {
      throw new Error(`${(error as Error).message}; active: ${JSON.stringify(alerts.map((a) => [a.labels.alertname, a.labels.role, a.state]))}`);
    });

    // And only those roles: the healthy ones stay quiet.
    expect(active(alerts, 'HiveTaskFailureRateHigh', 'developer')).toBe(false);
    expect(active(alerts, 'HiveRoleNoReadyAgent', 'architect')).toBe(false);
    expect(active(alerts, 'HiveMetaAgentMissing')).toBe(false);
    expect(active(alerts, 'HiveAgentSpawnSlow')).toBe(false);
  }, 180_000);
});
