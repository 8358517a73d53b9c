/**
 * Runtime, manifests and monitoring agree: a real Prometheus, configured from
 * charts-out (scrape config from the ServiceMonitors, rules from the
 * PrometheusRule), scrapes one real agent per agent Deployment (each role's
 * stable track and every other track) started with exactly the env the Deployments set. Only hosts and ports are moved to loopback, and the
 * alerts' `for:` is shortened through the environment config (alerts.forScale).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_ROLES, AgentRole, consumerGroup, ENV, GATEWAY_METRICS, hiveKeys, METRICS, REQUIRED_ENV, ROLLOUT_METRICS } from '../../agent-runtime/src/contract';
import { loadConfig } from '../../agent-runtime/src/config/runtime-config';
import { environmentApp, workloadImages } from '../../infra/chart/environment-app';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { computeImageTags } from '../../infra/images/image-tags';
import { SANDBOX_CONTAINER } from '../../infra/constructs/agents/sandbox-sidecar';
import { AgentProcess, RunAs, waitFor } from '../support/agent-process';
import { apiError, FakeMessagesApi, RecordedRequest, text } from '../support/fake-messages-api';
import { freePort } from '../support/free-port';
import { enqueue, results, waitForResults } from '../support/hive-streams';
import { byKind, describe as describeObject, KubeObject, loadChartsOut, selects } from '../support/manifests';
import { adapterRules, allQueries, dashboardTargets, hpaMetricNames, ruleGroups } from '../support/monitoring-queries';
import { contractSeriesNames, metricNames } from '../support/promql';
import { ActiveAlert, PrometheusServer } from '../support/prometheus-server';
import { RedisServer } from '../support/redis-server';
import { REPO_ROOT } from '../support/repo';
import { podDirectory, sandboxScratch, SHARED_VOLUME } from '../support/sandbox-fixture';
import { SandboxProcess } from '../support/sandbox-process';
import { AGENT_ID, ensureSandboxUsers } from '../support/sandbox-users';
import { containerPort, deploymentEnv } from './deployment-env';

const ENVIRONMENT = 'staging';
/** 1 % of production `for:` durations: 60 s -> 1 s, 600 s -> 6 s, 900 s -> 9 s. */
const FOR_SCALE = 0.01;
const SECRET_VALUES: Record<string, string> = {
  'agent-hive-anthropic/api-key': 'sk-ant-e2e',
  'agent-hive-redis/password': 'redis-e2e-password',
  // The roles with a sandbox read the git tokens.
  'agent-hive-git/token': 'git-e2e-token',
  'agent-hive-git/push-token': 'git-e2e-push-token',
};

const committed = loadChartsOut().find((e) => e.env === ENVIRONMENT)!.objects;
const environment = loadEnvironment(REPO_ROOT, ENVIRONMENT);
/** Every agent Deployment, by name: `agent-<role>`, and `agent-<role>-<track>` for another track. */
const workloads: Record<string, KubeObject> = Object.fromEntries(
  byKind(committed, 'Deployment')
    .filter((d) => d.spec.template.metadata.labels['agent-hive/role'])
    .map((d) => [d.metadata.name, d]),
);
const WORKLOADS = Object.keys(workloads).sort();
const roleOfWorkload = (name: string) => workloads[name].spec.template.metadata.labels['agent-hive/role'] as AgentRole;
const trackOfWorkload = (name: string) => deploymentEnv(committed, workloads[name], { secret: () => 's', podName: 'p' })[ENV.track] ?? 'stable';
const deployments = Object.fromEntries(AGENT_ROLES.map((role) => [role, workloads[`agent-${role}`]])) as Record<AgentRole, KubeObject>;

/** The LLM stand-in: normal answers, unless a breach below makes a role's calls fail or wait. */
const llm = { failRole: undefined as AgentRole | undefined, slowRole: undefined as AgentRole | undefined };
const roleOf = (request: RecordedRequest) => AGENT_ROLES.find((role) => request.body.system?.includes(`${role} agent`));

let redis: RedisServer;
let api: FakeMessagesApi;
let prometheus: PrometheusServer;
/** The rule groups Prometheus evaluates: charts-out's, with `for:` shortened. */
let prometheusRules: ReturnType<typeof ruleGroups>;
/** By Deployment name; `agents[`agent-${role}`]` is a role's stable agent. */
const agents: Record<string, AgentProcess> = {};
const sandboxes: SandboxProcess[] = [];
const loopbackPorts: Record<string, { health: number; metrics: number }> = {};
const stableAgent = (role: AgentRole) => agents[`agent-${role}`];

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

  for (const name of WORKLOADS) {
    const env = deploymentEnv(committed, workloads[name], {
      secret: (secret, key) => SECRET_VALUES[`${secret}/${key}`] ?? fail(`no test value for Secret ${secret}/${key}`),
      podName: `${name}-e2e`,
    });
    loopbackPorts[name] = { health: await freePort(), metrics: await freePort() };
    const pod = await startSidecar(name);
    agents[name] = await AgentProcess.start(
      {
        ...env,
        // Hosts and ports moved to loopback; everything else as the Deployment sets it.
        REDIS_URL: redis.url,
        ANTHROPIC_BASE_URL: apiUrl,
        HIVE_HEALTH_PORT: String(loopbackPorts[name].health),
        HIVE_METRICS_PORT: String(loopbackPorts[name].metrics),
        HIVE_WORKSPACE_DIR: mkdtempSync(join(tmpdir(), `hive-e2e-${name}-`)),
        ...pod?.agentEnv,
      },
      undefined,
      pod?.runAs,
    );
  }
  await Promise.all(WORKLOADS.map((name) => agents[name].waitForReadiness(200)));

  const scaled = environmentApp({ ...environment, alerts: { ...environment.alerts, forScale: FOR_SCALE } }, workloadImages(environment, computeImageTags(REPO_ROOT)));
  prometheusRules = ruleGroups(scaled.chart.toJson() as KubeObject[]).map((group) => ({ ...group, interval: '1s' }));
  prometheus = await PrometheusServer.start({ global: { evaluation_interval: '1s' }, scrape_configs: scrapeConfigs() }, { 'agent-hive.rules.yaml': { groups: prometheusRules } });
}, 90_000);

afterAll(async () => {
  await Promise.all(Object.values(agents).map((a) => a.stop()));
  await Promise.all(sandboxes.map((s) => s.stop()));
  await prometheus?.stop();
  await api?.stop();
  await redis?.destroy();
});

/**
 * The Deployment's sandbox sidecar, if it has one, started as the pod runs it: its own
 * uid, sharing only the workspace and the socket's directory with the agent, which
 * then runs as the agent's uid (the agents of sandbox roles are not ready without it).
 */
async function startSidecar(name: string): Promise<{ agentEnv: Record<string, string>; runAs: RunAs } | undefined> {
  if (!workloads[name].spec.template.spec.containers.some((c: { name: string }) => c.name === SANDBOX_CONTAINER)) return undefined;
  ensureSandboxUsers();
  const volumes = { HIVE_SANDBOX_SOCKET: join(podDirectory(...SHARED_VOLUME('hive-e2e-sock-')), 'sandbox.sock'), HIVE_WORKSPACE_DIR: podDirectory(...SHARED_VOLUME('hive-e2e-ws-')) };
  sandboxes.push(await SandboxProcess.start({ ...volumes, ...sandboxScratch(podDirectory) }));
  return { agentEnv: volumes, runAs: { uid: AGENT_ID, gid: AGENT_ID } };
}

/**
 * One scrape job per agent ServiceMonitor endpoint, as the Prometheus operator would generate it.
 * The gateway runs in its own tests, not here: its ServiceMonitor has no target in this one.
 */
function scrapeConfigs(): object[] {
  return byKind(committed, 'ServiceMonitor').flatMap((monitor) => {
    const service = byKind(committed, 'Service').find((s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels))!;
    if (!service.metadata.labels!['agent-hive/role']) return [];
    // The one agent Deployment whose pods the Service selects.
    const selected = WORKLOADS.filter((name) => selects(service.spec.selector, workloads[name].spec.template.metadata.labels));
    expect(selected, `${service.metadata.name} selects the pods of one agent Deployment`).toHaveLength(1);
    const [name] = selected;
    // What Kubernetes service discovery tells Prometheus about the pod behind the target.
    const podLabels = Object.fromEntries(
      Object.entries(workloads[name].spec.template.metadata.labels as Record<string, string>).map(([k, v]) => [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`, v]),
    );
    return monitor.spec.endpoints.map((endpoint: ServiceMonitorEndpoint, index: number) => {
      const servicePort = service.spec.ports.find((p: { name: string }) => p.name === endpoint.port);
      const port = containerPort(workloads[name], servicePort.targetPort);
      expect(port, `${monitor.metadata.name}: the scraped container port is the one the agent serves metrics on`).toBe(
        Number(deploymentEnv(committed, workloads[name], { secret: () => 'x', podName: 'x' })[ENV.metricsPort]),
      );
      return {
        job_name: `serviceMonitor/${monitor.metadata.namespace}/${monitor.metadata.name}/${index}`,
        scrape_interval: endpoint.interval,
        metrics_path: endpoint.path,
        static_configs: [
          {
            targets: [`127.0.0.1:${loopbackPorts[name].metrics}`],
            labels: { namespace: environment.namespace, service: service.metadata.name, pod: `${name}-e2e`, endpoint: endpoint.port, ...podLabels },
          },
        ],
        // The operator appends the endpoint's relabelings to its own, with the fields in snake case.
        relabel_configs: (endpoint.relabelings ?? []).map(snakeCaseKeys),
        metric_relabel_configs: (endpoint.metricRelabelings ?? []).map(snakeCaseKeys),
      };
    });
  });
}

interface ServiceMonitorEndpoint {
  port: string;
  path: string;
  interval: string;
  relabelings?: Array<Record<string, unknown>>;
  metricRelabelings?: Array<Record<string, unknown>>;
}

const snakeCaseKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));

function fail(message: string): never {
  throw new Error(message);
}

const active = (alerts: ActiveAlert[], alertname: string, role?: string) =>
  alerts.some((a) => a.labels.alertname === alertname && (role === undefined || a.labels.role === role));

describe(`runtime, manifests and monitoring agree (charts-out/${ENVIRONMENT})`, () => {
  it('changes nothing but the alerts’ `for:` when the environment shortens them', () => {
    const scaled = environmentApp({ ...environment, alerts: { ...environment.alerts, forScale: FOR_SCALE } }, workloadImages(environment, computeImageTags(REPO_ROOT)));
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
    for (const workload of WORKLOADS) {
      const set = Object.keys(deploymentEnv(committed, workloads[workload], { secret: () => 's', podName: 'p' }));
      expect(set.filter((name) => !read.has(name)), `${workload} sets unknown variables`).toEqual([]);
      expect(REQUIRED_ENV.filter((name) => !set.includes(name)), `${workload} lacks required variables`).toEqual([]);
    }
  });

  it('answers every probe path on the port the Deployment names', async () => {
    for (const name of WORKLOADS) {
      const container = workloads[name].spec.template.spec.containers[0];
      const env = deploymentEnv(committed, workloads[name], { secret: () => 's', podName: 'p' });
      for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const probe = container[kind];
        expect(probe, `${name} ${kind}`).toBeDefined();
        // The probe's port is the one the runtime listens on for health, per the same manifests.
        expect(containerPort(workloads[name], probe.httpGet.port)).toBe(Number(env[ENV.healthPort]));
        const response = await agents[name].get(probe.httpGet.path, loopbackPorts[name].health);
        expect(response.status, `${name} ${kind} ${probe.httpGet.path}`).toBe(200);
      }
    }
  });

  it('scrapes every agent, and every agent metric any alert, panel, HPA or adapter rule uses exists in the scrape', async () => {
    const client = redis.client(SECRET_VALUES['agent-hive-redis/password']);
    // Two tasks on every track's stream, so each agent has run some.
    for (const name of WORKLOADS) {
      for (let i = 0; i < 2; i++) await client.xadd(hiveKeys().tasks(roleOfWorkload(name), trackOfWorkload(name)), '*', 'id', `healthy-${name}-${i}`, 'payload', '{"instructions":"x"}');
    }
    await waitForResults(client, 2 * WORKLOADS.length);
    client.disconnect();

    // The gateway's own metrics, the rollout's among them, come from the gateway, which does not run here.
    const gatewayMetrics = new Set([...Object.values(GATEWAY_METRICS), ...Object.values(ROLLOUT_METRICS)].flatMap(contractSeriesNames));
    const used = new Set<string>(
      [
        ...allQueries(committed).flatMap((q) => metricNames(q.expr!)),
        ...hpaMetricNames(committed).flatMap((use) => adapterRules(committed).filter(({ rule }) => rule.name.as === use.metric).flatMap(({ rule }) => metricNames(rule.seriesQuery))),
      ].filter((m) => !gatewayMetrics.has(m)),
    );
    expect([...used].filter((m) => !Object.values(METRICS).flatMap(contractSeriesNames).includes(m))).toEqual([]);
    let scraped: string[] = [];
    await waitFor(
      async () => {
        const targets = await prometheus.targets();
        scraped = await prometheus.metricNames();
        return targets.length === WORKLOADS.length && targets.every((t) => t.health === 'up') && [...used].every((m) => scraped.includes(m));
      },
      60_000,
      'every target up and every used metric scraped',
    ).catch(async (error) => {
      throw new Error(`${(error as Error).message}; missing: ${[...used].filter((m) => !scraped.includes(m)).join(', ')}; targets: ${JSON.stringify(await prometheus.targets())}`);
    });
  }, 90_000);

  it("gives every scraped series a role and a track: the runtime's own where it sets one, the pod's otherwise", async () => {
    // up and scrape_* are Prometheus' own series about the target: metric relabeling does not apply to them.
    const roleless = await prometheus.query(`count by (__name__) ({namespace="${environment.namespace}", role="", __name__!~"up|scrape_.+"})`);
    expect(roleless.map((r) => r.metric.__name__)).toEqual([]);
    const trackless = await prometheus.query(`count by (__name__) ({namespace="${environment.namespace}", track="", __name__!~"up|scrape_.+"})`);
    expect(trackless.map((r) => r.metric.__name__)).toEqual([]);
    const started = await prometheus.query(`${METRICS.processStartTimeSeconds}{namespace="${environment.namespace}"}`);
    expect(Object.fromEntries(started.map((r) => [r.metric.pod, [r.metric.role, r.metric.track]]))).toEqual(
      Object.fromEntries(WORKLOADS.map((name) => [`${name}-e2e`, [roleOfWorkload(name), trackOfWorkload(name)]])),
    );
    // Meta publishes every role's and track's backlog; those keep the role and track they describe.
    const backlog = await prometheus.query(`${METRICS.queueBacklog}{namespace="${environment.namespace}"}`);
    expect(backlog.map((r) => [r.metric.pod, r.metric.role, r.metric.track, r.metric.exported_role]).sort()).toEqual(
      [...AGENT_ROLES.map((role) => [role, 'stable']), ...WORKLOADS.filter((n) => trackOfWorkload(n) !== 'stable').map((n) => [roleOfWorkload(n), trackOfWorkload(n)])]
        .map(([role, track]) => ['agent-meta-e2e', role, track, undefined])
        .sort(),
    );
  });

  it("joins each agent's spawn time with its process start: with a 1 ms target, every agent just started is slow", async () => {
    const strict = environmentApp({ ...environment, alerts: { ...environment.alerts, spawnSeconds: 0.001 } }, workloadImages(environment, computeImageTags(REPO_ROOT)));
    const expr = ruleGroups(strict.chart.toJson() as KubeObject[])
      .flatMap((g) => g.rules)
      .find((r) => r.alert === 'HiveAgentSpawnSlow')!.expr;
    const slow = await prometheus.query(expr);
    expect(slow.map((r) => [r.metric.pod, r.metric.role]).sort()).toEqual(WORKLOADS.map((name) => [`${name}-e2e`, roleOfWorkload(name)]).sort());
  });

  it('draws CPU, memory and token spend per role and track, Redis memory and stream lengths from the scrape', async () => {
    const byRole = WORKLOADS.map((name) => ({ role: roleOfWorkload(name), track: trackOfWorkload(name) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const expected: Record<string, (series: Array<Record<string, string>>) => boolean> = {
      'CPU per role': (series) => JSON.stringify(series) === JSON.stringify(byRole),
      'Memory per role': (series) => JSON.stringify(series) === JSON.stringify(byRole),
      'Token spend per role': (series) => JSON.stringify(series) === JSON.stringify(byRole),
      'Redis memory': (series) => series.length === 1,
      'Stream lengths': (series) => series.some((s) => s.stream !== undefined),
    };
    const drawn: Record<string, Array<Record<string, string>>> = {};
    // rate() needs two scrapes of a series.
    await waitFor(
      async () => {
        for (const title of Object.keys(expected)) {
          drawn[title] = (await prometheus.query(panelExpr(title))).map((r) => r.metric).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        }
        return Object.entries(expected).every(([title, ok]) => ok(drawn[title]));
      },
      45_000,
      'every resource panel drawn',
    ).catch((error) => {
      throw new Error(`${(error as Error).message}; drawn: ${JSON.stringify(drawn)}`);
    });
  }, 60_000);

  it('stays quiet while the fleet is healthy', async () => {
    // Longer than the longest shortened `for:` (9 s), with rules evaluated every second.
    await new Promise((r) => setTimeout(r, 12_000));
    expect((await prometheus.alerts()).map((a) => a.labels)).toEqual([]);
  }, 30_000);

  it('raises each SLA alert that can be driven on one machine, for the role that breaches it', async () => {
    const client = redis.client(SECRET_VALUES['agent-hive-redis/password']);
    const keys = hiveKeys();
    const threshold = environment.alerts.dispatchP99Seconds;

    // Model failures: the LLM rejects every architect call (400), which is the model's outcome, not an orchestration fault.
    llm.failRole = 'architect';
    // Pick-up latency: the architect stalls (SIGSTOP, as in a long GC pause or CPU throttling) for
    // 2 s while its free slots wait in a blocking read; the task Redis hands that read is picked up
    // when the process runs again.
    await stallWhileEnqueueing(client, 'architect', 2_000, 3);

    // Queue wait without slow pick-up: developer calls take 4 s, so queued tasks wait for a busy slot.
    llm.slowRole = 'developer';
    for (let i = 0; i < 8; i++) await enqueue(client, 'developer', `waiting-${i}`, { instructions: 'x' });

    // An orchestration fault: meta's consumer group disappears (as after a Redis restart without its
    // data). Its read fails with NOGROUP, a Redis error, and the agent creates the group again.
    await client.xgroup('DESTROY', keys.tasks('meta'), consumerGroup('meta'));
    await waitFor(async () => ((await client.xinfo('GROUPS', keys.tasks('meta'))) as unknown[]).length === 1, 10_000, "meta's consumer group created again");
    // Dead letters: a malformed entry.
    await enqueue(client, 'meta', '', null, ['id', 'broken', 'payload', '{not json']);
    // No ready agent: the qa agent stops.
    stableAgent('qa').kill('SIGTERM');
    client.disconnect();

    const expected: Array<[string, AgentRole]> = [
      ['HiveModelFailureRateHigh', 'architect'],
      ['HivePickupLatencyHigh', 'architect'],
      ['HiveOrchestratorFailureRateHigh', 'meta'],
      ['HiveDeadLetters', 'meta'],
      ['HiveRoleNoReadyAgent', 'qa'],
    ];
    let alerts: ActiveAlert[] = [];
    const activeNames = () => JSON.stringify(alerts.map((a) => [a.labels.alertname, a.labels.role, a.state]));
    await waitFor(
      async () => {
        alerts = await prometheus.alerts();
        return expected.every(([name, role]) => active(alerts, name, role));
      },
      150_000,
      'every driven alert',
    ).catch((error) => {
      throw new Error(`${(error as Error).message}; active: ${activeNames()}`);
    });

    // The developer's tasks waited long behind busy slots (the dashboard's queue wait), yet were
    // picked up at once: the pick-up alert must stay quiet for it, pending included, for longer than its `for:`.
    const developerP99 = async (title: string) => Number((await prometheus.query(panelExpr(title)).then((r) => r.find((x) => x.metric.role === 'developer' && x.metric.track === 'stable')))?.value[1] ?? NaN);
    await waitFor(async () => (await developerP99('Queue wait p99')) > threshold, 60_000, 'the developer queue wait p99 above the pick-up target');
    const pickupFor = Number(/^(\d+)s$/.exec(ruleFor('HivePickupLatencyHigh'))?.[1] ?? fail(`unexpected for: ${ruleFor('HivePickupLatencyHigh')}`));
    const quietUntil = Date.now() + (pickupFor + 3) * 1000;
    while (Date.now() < quietUntil) {
      alerts = await prometheus.alerts();
      expect(active(alerts, 'HivePickupLatencyHigh', 'developer'), activeNames()).toBe(false);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await developerP99('Queue wait p99')).toBeGreaterThan(threshold);
    expect(await developerP99('Pick-up latency p99')).toBeLessThan(threshold);

    // And only those roles and kinds: model failures are no orchestration fault, the healthy roles stay quiet.
    alerts = await prometheus.alerts();
    for (const role of ['architect', 'developer'] as const) expect(active(alerts, 'HiveOrchestratorFailureRateHigh', role), `${role}: ${activeNames()}`).toBe(false);
    for (const role of ['developer', 'meta'] as const) expect(active(alerts, 'HiveModelFailureRateHigh', role), `${role}: ${activeNames()}`).toBe(false);
    expect(active(alerts, 'HivePickupLatencyHigh', 'meta'), activeNames()).toBe(false);
    expect(active(alerts, 'HiveRoleNoReadyAgent', 'architect'), activeNames()).toBe(false);
    expect(active(alerts, 'HiveMetaAgentMissing'), activeNames()).toBe(false);
    expect(active(alerts, 'HiveAgentSpawnSlow'), activeNames()).toBe(false);
  }, 180_000);
});

/** The `for:` of a rule as Prometheus got it (shortened by forScale). */
function ruleFor(alert: string): string {
  return prometheusRules.flatMap((g) => g.rules).find((r) => r.alert === alert)!.for!;
}

/** The query of a dashboard panel, as committed. */
function panelExpr(title: string): string {
  const target = dashboardTargets(committed).find((t) => t.where.endsWith(`panel '${title}'`));
  return target?.expr ?? fail(`no dashboard panel '${title}'`);
}

/**
 * Stops a role's agent while its blocking read waits, enqueues `count` tasks, and lets it run
 * again after `stallMs`; repeats until the agent's own histogram shows a pick-up slower than
 * 1 s. The read must have begun within the last second: Redis still holds it when the tasks
 * arrive and hands it one at once, the reply waits in the socket, and the runtime's read
 * watchdog (the BLOCK time plus 3 s) does not run out during the stall.
 */
async function stallWhileEnqueueing(client: ReturnType<RedisServer['client']>, role: AgentRole, stallMs: number, count: number): Promise<void> {
  const agent = stableAgent(role);
  const slowPickups = async () => {
    const text = await agent.metrics();
    return sample(text, `${METRICS.pickupLatencySeconds}_count`, { role }) - sample(text, `${METRICS.pickupLatencySeconds}_bucket`, { role, le: '1' });
  };
  const connectionName = `hive-${role}-agent-${role}-e2e`;
  for (let attempt = 1; ; attempt++) {
    await waitFor(
      async () => {
        const clients = ((await client.client('LIST')) as string).split('\n').map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split('='))));
        return clients.some((c) => c.name === connectionName && c.cmd === 'xreadgroup' && c.flags?.includes('b') && c.idle === '0');
      },
      15_000,
      `a fresh blocking read of agent-${role}-e2e`,
    );
    const before = await slowPickups();
    const finished = (await results(client)).length;
    agent.kill('SIGSTOP');
    try {
      for (let i = 0; i < count; i++) await enqueue(client, role, `stalled-${role}-${attempt}-${i}`, { instructions: 'x' });
      await new Promise((r) => setTimeout(r, stallMs));
    } finally {
      agent.kill('SIGCONT');
    }
    await waitForResults(client, finished + count);
    if ((await slowPickups()) > before) return;
    if (attempt === 3) throw new Error(`agent-${role}-e2e measured no slow pick-up after ${attempt} stalls`);
  }
}

/** A sample of a Prometheus text exposition, by name and (some of its) labels; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}
