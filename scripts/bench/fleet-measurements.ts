import { waitFor } from '../../tests/support/agent-process';
import { Fleet, FleetMember, RoundOutcome } from './fleet';
import { percentile } from './percentiles';
import { cpuMs, rssMb } from './process-usage';

/** Start of one spawn, until the worker reported itself ready, and until this process saw it. */
export interface SpawnTimes {
  readonly reportedMs: number[];
  readonly observedMs: number[];
}

/** Starts `runs` workers one after the other, each alone, and times them until ready. */
export async function spawnToReady(fleet: Fleet, runs: number): Promise<SpawnTimes> {
  const times: SpawnTimes = { reportedMs: [], observedMs: [] };
  for (let i = 0; i < runs; i++) {
    const startedAt = Date.now();
    const member = await fleet.spawn(`bench-spawn-${i}`, true);
    const readyAt = await member.ready(20_000);
    times.observedMs.push(Date.now() - startedAt);
    times.reportedMs.push(readyAt - startedAt);
    await member.stop();
  }
  return times;
}

/** Starts `size` workers together and waits until all are ready. */
export async function startFleet(fleet: Fleet, size: number): Promise<FleetMember[]> {
  const members: FleetMember[] = [];
  for (let i = 0; i < size; i++) members.push(await fleet.spawn(`bench-worker-${i}`));
  await Promise.all(members.map((m) => m.ready(120_000)));
  return members;
}

/** Resident memory of ready workers once their start-up garbage had time to go. */
export async function idleRssMb(members: readonly FleetMember[]): Promise<{ median: number; max: number }> {
  await new Promise((r) => setTimeout(r, 2_000));
  const rss = members.map((m) => rssMb(m.pid));
  return { median: percentile(rss, 50), max: Math.max(...rss) };
}

/**
 * Enqueues `count` tasks one at a time on a fixed schedule, `ratePerSecond`, and waits for
 * them all. Each send waits for the schedule, not for a fixed pause after the previous one,
 * so the rate holds however long a send takes.
 */
export async function pacedRound(fleet: Fleet, prefix: string, count: number, ratePerSecond: number): Promise<RoundOutcome> {
  const before = await fleet.finished();
  const startedAt = performance.now();
  for (let i = 0; i < count; i++) {
    const due = startedAt + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await fleet.enqueue([`${prefix}-${i}`]);
  }
  await waitFor(async () => (await fleet.finished()) >= before + count, 300_000, `${prefix} results`);
  return fleet.outcome(`${prefix}-`);
}

/** A burst: time until the last result, and the CPU each group of processes used meanwhile. */
export interface BurstFigures<Group extends string> {
  readonly seconds: number;
  readonly cpuMs: Record<Group, number>;
  readonly outcome: RoundOutcome;
}

/** Enqueues `count` tasks at once and waits for them all, with every worker busy. */
export async function burstRound<Group extends string>(fleet: Fleet, prefix: string, count: number, watched: Record<Group, number[]>): Promise<BurstFigures<Group>> {
  const groups = Object.keys(watched) as Group[];
  const cpuOf = () => Object.fromEntries(groups.map((g) => [g, watched[g].reduce((sum, pid) => sum + cpuMs(pid), 0)])) as Record<Group, number>;
  const before = await fleet.finished();
  const cpuBefore = cpuOf();
  const startedAt = performance.now();
  await fleet.enqueue(Array.from({ length: count }, (_, i) => `${prefix}-${i}`));
  await waitFor(async () => (await fleet.finished()) >= before + count, 600_000, `${prefix} results`);
  const seconds = (performance.now() - startedAt) / 1000;
  const cpuAfter = cpuOf();
  const cpu = Object.fromEntries(groups.map((g) => [g, cpuAfter[g] - cpuBefore[g]])) as Record<Group, number>;
  return { seconds, cpuMs: cpu, outcome: await fleet.outcome(`${prefix}-`) };
}
