import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeMessagesApi, text } from '../../tests/support/fake-messages-api';
import { RedisServer } from '../../tests/support/redis-server';
import { REPO_ROOT } from '../../tests/support/repo';
import { BullmqFleet } from './bullmq-fleet';
import { Fleet, RoundOutcome } from './fleet';
import { burstRound, idleRssMb, pacedRound, spawnToReady, startFleet } from './fleet-measurements';
import { LatencySummary, percentile, round, summarize } from './percentiles';
import { HiveFleet } from './hive-fleet';

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`Expected \`${name}\` to be an integer >= 1, got \`${raw}\``);
  return value;
}

const WORKERS = positiveInteger('BENCH_AGENTS', 60);
const PACED_TASKS = positiveInteger('BENCH_PACED_TASKS', 1000);
const BURST_TASKS = positiveInteger('BENCH_BURST_TASKS', 3000);
const RATES_PER_SECOND = [100, 200] as const;
const SPAWN_RUNS = 10;
const WARMUP_TASKS_PER_WORKER = 10;

interface FleetFigures {
  readonly spawnToReadyMs: { readonly median: number; readonly max: number; readonly observedMedian: number };
  readonly idleRssMb: { readonly median: number; readonly max: number };
  readonly paced: Record<string, { readonly ratePerSecond: number; readonly dispatchMs: LatencySummary; readonly completionMs: LatencySummary }>;
  readonly burst: { readonly tasks: number; readonly seconds: number; readonly tasksPerSecond: number };
  /** Over the burst: the workers, their Redis, and this process (Messages API and producer). */
  readonly cpuMsPerTask: { readonly workers: number; readonly redis: number; readonly harness: number };
  readonly failedTasks: number;
  readonly llmRequests: number;
}

/** The measurements every fleet goes through, in this order. */
async function measure(fleet: Fleet, redis: RedisServer, api: FakeMessagesApi): Promise<FleetFigures> {
  const requestsBefore = api.requests.length;
  const spawn = await spawnToReady(fleet, SPAWN_RUNS);
  const members = await startFleet(fleet, WORKERS);
  const rss = await idleRssMb(members);
  // The first tasks of each worker pay for JIT and lazily loaded SDK code; they are not what is compared
  // (a pod runs thousands of tasks). Two per worker left both sides' 100/s figures dominated by cold workers.
  const rounds: RoundOutcome[] = [await pacedRound(fleet, 'warmup', WARMUP_TASKS_PER_WORKER * WORKERS, RATES_PER_SECOND[1])];
  const paced: FleetFigures['paced'] = {};
  for (const rate of RATES_PER_SECOND) {
    const outcome = await pacedRound(fleet, `paced${rate}`, PACED_TASKS, rate);
    rounds.push(outcome);
    paced[`${rate}/s`] = {
      ratePerSecond: rate,
      dispatchMs: summarize(outcome.timings.map((t) => t.dispatchMs)),
      completionMs: summarize(outcome.timings.map((t) => t.completionMs)),
    };
  }
  const burst = await burstRound(fleet, 'burst', BURST_TASKS, { workers: members.map((m) => m.pid), redis: [await redisPid(redis)], harness: [process.pid] });
  rounds.push(burst.outcome);
  return {
    spawnToReadyMs: { median: percentile(spawn.reportedMs, 50), max: Math.max(...spawn.reportedMs), observedMedian: percentile(spawn.observedMs, 50) },
    idleRssMb: { median: round(rss.median), max: round(rss.max) },
    paced,
    burst: { tasks: BURST_TASKS, seconds: round(burst.seconds, 2), tasksPerSecond: round(BURST_TASKS / burst.seconds) },
    cpuMsPerTask: {
      workers: round(burst.cpuMs.workers / BURST_TASKS, 2),
      redis: round(burst.cpuMs.redis / BURST_TASKS, 2),
      harness: round(burst.cpuMs.harness / BURST_TASKS, 2),
    },
    failedTasks: rounds.reduce((sum, r) => sum + r.failed, 0),
    llmRequests: api.requests.length - requestsBefore,
  };
}

async function redisPid(redis: RedisServer): Promise<number> {
  const client = redis.client();
  try {
    return Number(/process_id:(\d+)/.exec(await client.info('server'))![1]);
  } finally {
    client.disconnect();
  }
}

/** Runs `fleet` against a redis-server of its own, so neither fleet inherits the other's keys or memory. */
async function onFreshRedis(api: FakeMessagesApi, createFleet: (redis: RedisServer) => Fleet): Promise<FleetFigures> {
  const redis = await RedisServer.start();
  const fleet = createFleet(redis);
  try {
    return await measure(fleet, redis, api);
  } finally {
    await fleet.close();
    await redis.destroy();
  }
}

function printTable(hive: FleetFigures, bullmq: FleetFigures, targets: Record<string, boolean>): void {
  const yesNo = (met: boolean) => (met ? 'met' : 'NOT met');
  const rows: Array<[string, (f: FleetFigures) => string, string?]> = [
    [`spawn to ready, median of ${SPAWN_RUNS}`, (f) => `${f.spawnToReadyMs.median} ms`],
    ['idle RSS, median (max)', (f) => `${f.idleRssMb.median} MB (${f.idleRssMb.max})`],
  ];
  for (const rate of RATES_PER_SECOND) {
    const key = `${rate}/s`;
    rows.push([`dispatch @${key}, p50 / p99`, (f) => `${f.paced[key].dispatchMs.p50} / ${f.paced[key].dispatchMs.p99} ms`, `hive p99 <= bullmq: ${yesNo(targets[`dispatchP99AtMostBullmq@${key}`])}`]);
    rows.push([`completion @${key}, p50 / p99`, (f) => `${f.paced[key].completionMs.p50} / ${f.paced[key].completionMs.p99} ms`]);
  }
  rows.push(
    [`throughput, burst of ${BURST_TASKS}`, (f) => `${f.burst.tasksPerSecond} tasks/s`, `hive >= bullmq: ${yesNo(targets.throughputAtLeastBullmq)}`],
    ['CPU per task, workers', (f) => `${f.cpuMsPerTask.workers} ms`],
    ['CPU per task, redis-server', (f) => `${f.cpuMsPerTask.redis} ms`],
    ['CPU per task, harness (API + producer)', (f) => `${f.cpuMsPerTask.harness} ms`],
    ['failed tasks', (f) => String(f.failedTasks)],
  );
  console.log(`${`figure (${WORKERS} workers each)`.padEnd(40)}${'hive'.padEnd(20)}${'bullmq'.padEnd(20)}target`);
  for (const [label, value, target] of rows) console.log(`${label.padEnd(40)}${value(hive).padEnd(20)}${value(bullmq).padEnd(20)}${target ?? ''}`);
}

/**
 * The Hive agents and a BullMQ fleet side by side: the same number of workers, one task at a
 * time each, the same Messages API call to the same local server, the same rounds. Prints a
 * table and writes .bench/runtime-vs-bullmq.json.
 */
export async function benchVsBullmq(): Promise<void> {
  const api = new FakeMessagesApi(() => text('done'));
  const apiBaseUrl = await api.start();
  try {
    const hive = await onFreshRedis(api, (redis) => new HiveFleet({ redis, apiBaseUrl }));
    // The BullMQ workers send the body an agent sent, so both sides serialize and parse the same bytes.
    if (api.requests.length === 0) throw new Error('Expected the Hive fleet to have called the Messages API');
    const { messages: _messages, ...request } = api.requests[0].body;
    const bullmq = await onFreshRedis(api, (redis) => new BullmqFleet({ redisUrl: redis.url, apiBaseUrl, request }));

    const targets: Record<string, boolean> = { throughputAtLeastBullmq: hive.burst.tasksPerSecond >= bullmq.burst.tasksPerSecond };
    for (const rate of RATES_PER_SECOND) targets[`dispatchP99AtMostBullmq@${rate}/s`] = hive.paced[`${rate}/s`].dispatchMs.p99 <= bullmq.paced[`${rate}/s`].dispatchMs.p99;
    printTable(hive, bullmq, targets);

    const figures = {
      workers: WORKERS,
      pacedTasks: PACED_TASKS,
      burstTasks: BURST_TASKS,
      hive,
      bullmq,
      targets,
      method: {
        spawnToReady: 'process start until the worker reports ready (Hive: its `ready` log line, after /readyz answers 200; BullMQ: Worker.waitUntilReady); observedMedian: until this process saw it',
        dispatch: 'Hive: task entry id -> `task started` log time; BullMQ: job.timestamp -> processor start. 1 ms resolution',
        completion: 'Hive: task entry id -> result entry id; BullMQ: job.timestamp -> job.finishedOn',
        cpu: `utime + stime from /proc over the burst, divided by ${BURST_TASKS}; 10 ms resolution per process`,
        warmup: `${WARMUP_TASKS_PER_WORKER * WORKERS} tasks at ${RATES_PER_SECOND[1]}/s before the paced rounds, not reported`,
      },
    };
    const out = join(REPO_ROOT, '.bench');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'runtime-vs-bullmq.json'), `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await api.stop();
  }
}
