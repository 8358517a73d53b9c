import { STABLE_TRACK } from '../../agent-runtime/src/contract';
import { Environment } from '../../infra/environment/environment-schema';
import { allTracks } from '../../infra/environment/role-tracks';
import { seriesName } from '../support/promtool';

/** A promtool unit test: series, when to look, and the alerts expected then. */
export interface AlertCase {
  readonly name: string;
  readonly alertname: string;
  readonly series: Record<string, string>;
  readonly evalTime: string;
  /** Labels of each alert expected to fire; empty for a quiet case. */
  readonly expected: Array<Record<string, string>>;
}

/** A track other than stable for the cases that set a rollout's candidate apart; the environment need not have it. */
const CANDIDATE = 'green';

/**
 * For every SLA alert, a bad series that must fire it and a good one that must
 * not. Thresholds come from the environment, so each environment is tested
 * against its own rules. Agents' series carry the track they serve (stable
 * unless a case says otherwise), as the runtime labels them.
 */
export function alertCases(env: Environment): AlertCase[] {
  const ns = env.namespace;
  const a = env.alerts;
  const s = (metric: string, labels: Record<string, string>) => seriesName(metric, { namespace: ns, track: STABLE_TRACK, ...labels });
  const ready = (role: string, value: number, pod = `agent-${role}-1`, track = STABLE_TRACK) => ({ [s('hive_agent_ready', { role, pod, track })]: `${value}x60` });
  const tracks = allTracks(env);
  const allReady: Record<string, string> = Object.assign({}, ...tracks.map((t) => ready(t.role, 1, `agent-${t.role}-${t.track}-1`, t.track)), ready('meta', 1));
  /** A latency histogram of the developer role: 10 observations a minute, `fastCount` of them under the threshold. */
  const latencyBuckets = (metric: string, fastCount: number) => ({
    [s(`${metric}_bucket`, { role: 'developer', le: '0.1' })]: `0+${fastCount}x60`,
    [s(`${metric}_bucket`, { role: 'developer', le: String(a.dispatchP99Seconds) })]: `0+${fastCount}x60`,
    [s(`${metric}_bucket`, { role: 'developer', le: '5' })]: '0+10x60',
    [s(`${metric}_bucket`, { role: 'developer', le: '+Inf' })]: '0+10x60',
  });
  const pickup = (fastCount: number) => latencyBuckets('hive_task_pickup_latency_seconds', fastCount);
  const queueWait = (fastCount: number) => latencyBuckets('hive_task_dispatch_latency_seconds', fastCount);
  /** A role's finished tasks per minute by outcome, as its agent counts them. */
  const tasks = (role: string, perMinute: { succeeded: number; failed?: number }, pod = `agent-${role}-1`, track = STABLE_TRACK) => ({
    [s('hive_tasks_total', { role, outcome: 'succeeded', pod, track })]: `0+${perMinute.succeeded}x60`,
    [s('hive_tasks_total', { role, outcome: 'failed', pod, track })]: `0+${perMinute.failed ?? 0}x60`,
  });
  const orchestratorErrors = (role: string, perMinute: number, kind = 'redis', pod = `agent-${role}-1`, track = STABLE_TRACK) => ({
    [s('hive_orchestrator_errors_total', { role, kind, pod, track })]: `0+${perMinute}x60`,
  });
  const modelFailures = (role: string, perMinute: number, pod = `agent-${role}-1`, track = STABLE_TRACK) => ({
    [s('hive_task_failures_total', { role, reason: 'api_error', pod, track })]: `0+${perMinute}x60`,
  });
  /** 100 architect tasks a minute, `ratio` of them failed on the model. */
  const modelOutcomes = (ratio: number) => ({
    ...tasks('architect', { succeeded: 100 * (1 - ratio), failed: 100 * ratio }),
    ...modelFailures('architect', 100 * ratio),
  });
  /** A pod's spawn time and its process start (0: the start of the test's clock). */
  const spawn = (seconds: number) => ({
    [s('hive_agent_spawn_seconds', { role: 'developer', pod: 'agent-developer-1' })]: `${seconds}x60`,
    [s('process_start_time_seconds', { role: 'developer', pod: 'agent-developer-1' })]: '0x60',
  });
  const backlog = (series: string, track = STABLE_TRACK) => ({ [s('hive_queue_backlog', { role: 'developer', track, pod: 'agent-meta-1' })]: series });
  const deadLetters = (series: string) => ({ [s('hive_dead_letters_total', { role: 'qa', pod: 'agent-qa-1' })]: series });
  const redisMemory = (usedMb: number, maxMb: number) => ({
    [s('hive_redis_used_memory_bytes', { pod: 'agent-meta-1' })]: `${usedMb * 1024 * 1024}x30`,
    [s('hive_redis_maxmemory_bytes', { pod: 'agent-meta-1' })]: `${maxMb * 1024 * 1024}x30`,
  });
  // Two agents of one role report the same shared breaker.
  const circuit = (series: string, track = STABLE_TRACK) => ({
    [s('hive_llm_circuit_state', { role: 'developer', track, pod: `agent-developer-${track}-1` })]: series,
    [s('hive_llm_circuit_state', { role: 'developer', track, pod: `agent-developer-${track}-2` })]: series,
  });

  return [
    {
      name: 'a slow spawn of a pod started minutes ago fires',
      alertname: 'HiveAgentSpawnSlow',
      series: spawn(a.spawnSeconds * 2),
      evalTime: '5m',
      expected: [{ namespace: ns, pod: 'agent-developer-1', role: 'developer', track: STABLE_TRACK, severity: 'warning' }],
    },
    {
      // The gauge keeps the spawn time for the pod's whole life; the alert is about the start.
      name: 'the same slow pod is quiet once it has run for more than 15 minutes',
      alertname: 'HiveAgentSpawnSlow',
      series: spawn(a.spawnSeconds * 2),
      evalTime: '20m',
      expected: [],
    },
    { name: 'a fast spawn is quiet', alertname: 'HiveAgentSpawnSlow', series: spawn(a.spawnSeconds / 4), evalTime: '5m', expected: [] },
    { name: 'slow pick-up fires', alertname: 'HivePickupLatencyHigh', series: pickup(0), evalTime: '30m', expected: [{ role: 'developer', track: STABLE_TRACK, severity: 'warning' }] },
    { name: 'fast pick-up is quiet', alertname: 'HivePickupLatencyHigh', series: pickup(10), evalTime: '30m', expected: [] },
    {
      // Tasks waiting behind busy slots: a capacity question, not the orchestration's delay.
      name: 'a long queue wait with fast pick-up is quiet',
      alertname: 'HivePickupLatencyHigh',
      series: { ...queueWait(0), ...pickup(10) },
      evalTime: '30m',
      expected: [],
    },
    {
      name: 'orchestration faults at twice the SLA fire',
      alertname: 'HiveOrchestratorFailureRateHigh',
      series: { ...tasks('qa', { succeeded: 100 }), ...orchestratorErrors('qa', 100 * a.failureRatio * 2) },
      evalTime: '40m',
      expected: [{ role: 'qa', track: STABLE_TRACK, severity: 'critical' }],
    },
    {
      // Meta counts the dead letters of every role, under the role of the task.
      name: "meta's dead letters of developer tasks fire for developer",
      alertname: 'HiveOrchestratorFailureRateHigh',
      series: { ...tasks('developer', { succeeded: 100 }), ...orchestratorErrors('developer', 100 * a.failureRatio * 2, 'dead_letter', 'agent-meta-1') },
      evalTime: '40m',
      expected: [{ role: 'developer', track: STABLE_TRACK, severity: 'critical' }],
    },
    {
      name: 'Redis errors while no task finishes fire (the ratio is +Inf)',
      alertname: 'HiveOrchestratorFailureRateHigh',
      series: { ...tasks('qa', { succeeded: 0 }), ...orchestratorErrors('qa', 1) },
      evalTime: '40m',
      expected: [{ role: 'qa', track: STABLE_TRACK, severity: 'critical' }],
    },
    {
      name: 'no faults is quiet',
      alertname: 'HiveOrchestratorFailureRateHigh',
      series: { ...tasks('qa', { succeeded: 100 }), ...orchestratorErrors('qa', 0) },
      evalTime: '40m',
      expected: [],
    },
    {
      name: 'no faults and no tasks is quiet (the ratio is NaN)',
      alertname: 'HiveOrchestratorFailureRateHigh',
      series: { ...tasks('qa', { succeeded: 0 }), ...orchestratorErrors('qa', 0) },
      evalTime: '40m',
      expected: [],
    },
    {
      name: 'tasks failing on the model alone do not fire it',
      alertname: 'HiveOrchestratorFailureRateHigh',
      series: { ...tasks('qa', { succeeded: 50, failed: 50 }), ...modelFailures('qa', 50), ...orchestratorErrors('qa', 0) },
      evalTime: '40m',
      expected: [],
    },
    {
      name: 'model failures at twice the threshold fire',
      alertname: 'HiveModelFailureRateHigh',
      series: modelOutcomes(a.modelFailureRatio * 2),
      evalTime: '40m',
      expected: [{ role: 'architect', track: STABLE_TRACK, severity: 'warning' }],
    },
    {
      name: 'model failures at half the threshold are quiet',
      alertname: 'HiveModelFailureRateHigh',
      series: modelOutcomes(a.modelFailureRatio / 2),
      evalTime: '40m',
      expected: [],
    },
    {
      name: 'orchestration faults alone do not fire it',
      alertname: 'HiveModelFailureRateHigh',
      series: { ...tasks('architect', { succeeded: 90 }), ...modelFailures('architect', 0), ...orchestratorErrors('architect', 10) },
      evalTime: '40m',
      expected: [],
    },
    ...tracks.flatMap(({ role, track, minReplicas, scaledToZero }): AlertCase[] => {
      const none = { ...allReady, ...ready(role, 0, `agent-${role}-${track}-1`, track) };
      const expected = [{ role, track, severity: 'critical' }];
      if (minReplicas > 0 && !scaledToZero) {
        return [{ name: `${role} (${track}) with no ready agent fires`, alertname: 'HiveRoleNoReadyAgent', series: none, evalTime: '10m', expected }];
      }
      const waiting = (series: string) => ({ [s('hive_queue_backlog', { role, track, pod: 'agent-meta-1' })]: series });
      return [
        { name: `${role} (${track}) scaled to zero with tasks waiting fires`, alertname: 'HiveRoleNoReadyAgent', series: { ...none, ...waiting('3x60') }, evalTime: '10m', expected },
        { name: `${role} (${track}) scaled to zero with nothing waiting is quiet`, alertname: 'HiveRoleNoReadyAgent', series: { ...none, ...waiting('0x60') }, evalTime: '10m', expected: [] },
      ];
    }),
    {
      // developer: never scaled to zero, so no agent at all is a fault whatever waits, on each of its tracks.
      name: 'a role whose agents are all gone fires for each of its running tracks',
      alertname: 'HiveRoleNoReadyAgent',
      series: Object.fromEntries(Object.entries(allReady).filter(([series]) => !series.includes('role="developer"'))),
      evalTime: '10m',
      expected: tracks.filter((t) => t.role === 'developer' && !t.scaledToZero).map(({ role, track }) => ({ role, track, severity: 'critical' })),
    },
    { name: 'every role ready is quiet', alertname: 'HiveRoleNoReadyAgent', series: allReady, evalTime: '10m', expected: [] },
    {
      name: 'no meta agent fires',
      alertname: 'HiveMetaAgentMissing',
      series: Object.fromEntries(Object.entries(allReady).filter(([series]) => !series.includes('role="meta"'))),
      evalTime: '10m',
      expected: [{ role: 'meta', severity: 'critical' }],
    },
    {
      name: 'two meta agents fire',
      alertname: 'HiveMetaAgentMissing',
      series: { ...allReady, ...ready('meta', 1, 'agent-meta-2') },
      evalTime: '10m',
      expected: [{ role: 'meta', severity: 'critical' }],
    },
    { name: 'one meta agent is quiet', alertname: 'HiveMetaAgentMissing', series: allReady, evalTime: '10m', expected: [] },
    {
      name: 'a growing backlog fires',
      alertname: 'HiveBacklogGrowing',
      series: backlog(`${a.backlogThreshold + 1}+1x60`),
      evalTime: '45m',
      expected: [{ role: 'developer', track: STABLE_TRACK, severity: 'warning' }],
    },
    { name: 'a large but steady backlog is quiet', alertname: 'HiveBacklogGrowing', series: backlog(`${a.backlogThreshold * 2}x60`), evalTime: '45m', expected: [] },
    {
      // Open from 3m, with half-open probes at 8m and 14m: not closed for 15 minutes, open for only 3 since the last probe.
      name: 'an outage with tasks waiting, open with half-open probes between, fires',
      alertname: 'HiveLlmCircuitOpen',
      series: { ...circuit('0x2 2x4 1 2x4 1 2x20'), ...backlog('5+1x30') },
      evalTime: '18m',
      expected: [{ role: 'developer', track: STABLE_TRACK, severity: 'warning' }],
    },
    {
      // Meta publishes the backlog; without it nobody knows that nothing waits.
      name: 'an open breaker with no backlog published fires',
      alertname: 'HiveLlmCircuitOpen',
      series: circuit('2x20'),
      evalTime: '10m',
      expected: [{ role: 'developer', track: STABLE_TRACK, severity: 'warning' }],
    },
    {
      // Looked at in its last minute before closing, when it has been not closed the longest.
      name: 'a breaker not closed for less than 5 minutes is quiet',
      alertname: 'HiveLlmCircuitOpen',
      series: { ...circuit('0x5 2x3 1 0x30'), ...backlog('5x30') },
      evalTime: '9m',
      expected: [],
    },
    {
      // After an outage with no task left to probe with, the breaker waits half-open for work.
      name: 'a breaker half-open for long with nothing waiting is quiet',
      alertname: 'HiveLlmCircuitOpen',
      series: { ...circuit('0x2 2x2 1x40'), ...backlog('0x40') },
      evalTime: '30m',
      expected: [],
    },
    {
      // The role's breaker is shared; each track's agents report it, and each track's backlog is its own.
      name: 'a breaker holding back work of the candidate track only fires for that track',
      alertname: 'HiveLlmCircuitOpen',
      series: { ...circuit('2x20'), ...circuit('2x20', CANDIDATE), ...backlog('0x20'), ...backlog('5x20', CANDIDATE) },
      evalTime: '10m',
      expected: [{ role: 'developer', track: CANDIDATE, severity: 'warning' }],
    },
    { name: 'Redis near its maxmemory fires', alertname: 'HiveRedisMemoryHigh', series: redisMemory(450, 512), evalTime: '10m', expected: [{ namespace: ns, severity: 'warning' }] },
    { name: 'Redis with room to spare is quiet', alertname: 'HiveRedisMemoryHigh', series: redisMemory(100, 512), evalTime: '10m', expected: [] },
    { name: 'Redis without a maxmemory is quiet', alertname: 'HiveRedisMemoryHigh', series: redisMemory(450, 0), evalTime: '10m', expected: [] },
    {
      // A rollout's candidate failing on the model while stable does well: the alert names the candidate, not the role.
      name: "the candidate track's model failures fire for that track alone",
      alertname: 'HiveModelFailureRateHigh',
      series: {
        ...tasks('architect', { succeeded: 100 }),
        ...modelFailures('architect', 0),
        ...tasks('architect', { succeeded: 50, failed: 50 }, `agent-architect-${CANDIDATE}-1`, CANDIDATE),
        ...modelFailures('architect', 50, `agent-architect-${CANDIDATE}-1`, CANDIDATE),
      },
      evalTime: '40m',
      expected: [{ role: 'architect', track: CANDIDATE, severity: 'warning' }],
    },
    {
      // The same failures spread over both tracks' tasks would stay under the threshold.
      name: "the candidate's orchestration faults fire for it though the role's overall ratio is within the SLA",
      alertname: 'HiveOrchestratorFailureRateHigh',
      series: {
        ...tasks('qa', { succeeded: 1000 }),
        ...orchestratorErrors('qa', 0),
        ...tasks('qa', { succeeded: 100 }, `agent-qa-${CANDIDATE}-1`, CANDIDATE),
        ...orchestratorErrors('qa', 100 * a.failureRatio * 2, 'redis', `agent-qa-${CANDIDATE}-1`, CANDIDATE),
      },
      evalTime: '40m',
      expected: [{ role: 'qa', track: CANDIDATE, severity: 'critical' }],
    },
    {
      name: "a growing backlog of the candidate track fires for it, a steady stable one does not",
      alertname: 'HiveBacklogGrowing',
      series: { ...backlog(`${a.backlogThreshold * 2}x60`), ...backlog(`${a.backlogThreshold + 1}+1x60`, CANDIDATE) },
      evalTime: '45m',
      expected: [{ role: 'developer', track: CANDIDATE, severity: 'warning' }],
    },
    { name: 'a new dead letter fires', alertname: 'HiveDeadLetters', series: deadLetters('0x5 1x30'), evalTime: '8m', expected: [{ role: 'qa', track: STABLE_TRACK, severity: 'warning' }] },
    { name: 'no dead letters is quiet', alertname: 'HiveDeadLetters', series: deadLetters('0x30'), evalTime: '8m', expected: [] },
  ];
}

/** The promtool test file for these cases, against `ruleFile`. */
export function promtoolTestFile(ruleFile: string, cases: AlertCase[]): object {
  return {
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: cases.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
      alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alertname, exp_alerts: c.expected.map((labels) => ({ exp_labels: labels })) }],
    })),
  };
}
