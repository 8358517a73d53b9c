import { Prng } from './prng';

/** How one role's agents behave, beside what the rendered objects say. */
export interface FleetParams {
  /** Task slots per agent (HIVE_CONCURRENCY). */
  readonly concurrency: number;
  /** How long a stopping agent lets its tasks finish before giving them back (HIVE_SHUTDOWN_GRACE_MS), seconds. */
  readonly drainSeconds: number;
  /** Prometheus' scrape interval: pod metrics and meta's backlog are this stale at most. */
  readonly scrapeSeconds: number;
  /** Pod creation to process start: scheduling, a node if none is free, the image pull. */
  readonly startDelaySeconds: number;
  /** Process start to ready, as measured (`npm run bench:runtime`). */
  readonly spawnSeconds: number;
  /** Work between two checkpoints: one model call and its tools. */
  readonly turnSeconds: number;
  /** CPU of an agent in percent of its request: idle, and per busy slot (agents mostly wait on the API). */
  readonly cpuIdlePercent: number;
  readonly cpuPerBusySlotPercent: number;
  /**
   * Which pods a scale down stops. 'newest': the ReplicaSet's own ranking (most recently
   * ready first). 'idle-first': what `controller.kubernetes.io/pod-deletion-cost` kept up
   * to date with the agent's in-flight count would give.
   */
  readonly deletion: 'newest' | 'idle-first';
}

export interface Task {
  readonly id: number;
  readonly arrival: number;
  readonly duration: number;
  /** Seconds of work done; `checkpointed` is the work at the last completed turn. */
  done: number;
  checkpointed: number;
  firstStart?: number;
  finished?: number;
}

interface Pod {
  readonly readyAt: number;
  /** When the pod last read a task: Redis serves blocked XREADGROUP readers longest-waiting first. */
  lastRead: number;
  readonly tasks: Task[];
  /** Set when a scale down picked the pod: it takes nothing new and gives back what is left at the deadline. */
  stopDeadline?: number;
  scraped?: { busyRatio: number; cpuPercent: number };
}

/** What the metrics pipeline shows an autoscaler at one moment. */
export interface FleetView {
  /** Pods of the Deployment (not stopping): readiness is live, values are those of the last scrape. */
  readonly pods: readonly { ready: boolean; busyRatio?: number; cpuPercent?: number }[];
  /** Group lag plus pending (meta's hive_queue_backlog), as last scraped. */
  readonly backlog: number;
  /** The role's breaker holds back work (the adapter withholds the backlog then), as last scraped. */
  readonly circuitHoldingWork: boolean;
  /** Entries never delivered (XINFO GROUPS lag), live: what KEDA's redis-streams scaler reads. */
  readonly lag: number;
  /** Entries delivered and not acknowledged (XPENDING count), live: in flight, and given back. */
  readonly pending: number;
  /** Tasks in flight over all pods, as last scraped. */
  readonly inFlight: number;
}

export interface FleetTotals {
  agentSeconds: number;
  scaleEvents: number;
  interrupted: number;
  /** Turns redone after a scale down gave a task back: with per-turn checkpoints, and as it would be without. */
  turnsLostWithCheckpoints: number;
  turnsLostWithoutCheckpoints: number;
}

/** One role's agents, its task stream and its LLM breaker, advanced a second at a time. */
export class Fleet {
  private readonly pods: Pod[] = [];
  /** Given-back entries first (pending, taken over before new ones), then the stream in order. */
  private readonly givenBack: Task[] = [];
  private readonly stream: Task[] = [];
  private streamHead = 0;
  private replicas = 0;
  private scraped = { backlog: 0, circuitHoldingWork: false, inFlight: 0 };
  readonly finished: Task[] = [];
  readonly totals: FleetTotals = { agentSeconds: 0, scaleEvents: 0, interrupted: 0, turnsLostWithCheckpoints: 0, turnsLostWithoutCheckpoints: 0 };

  constructor(private readonly params: FleetParams, initialReplicas: number) {
    this.scale(0, initialReplicas, true);
  }

  get specReplicas(): number {
    return this.replicas;
  }

  get runningPods(): number {
    return this.pods.length;
  }

  get backlog(): number {
    return this.queued() + this.pods.reduce((n, p) => n + p.tasks.length, 0);
  }

  enqueue(task: Task): void {
    this.stream.push(task);
  }

  /**
   * One second at `now`. `apiUp`: the Messages API answers; `breakerClosed`: agents take
   * tasks. A task in flight when the API goes away is given back at its next model call.
   */
  step(now: number, apiUp: boolean, breakerClosed: boolean): void {
    for (const pod of [...this.pods]) {
      for (const task of [...pod.tasks]) {
        if (!apiUp) {
          this.giveBack(pod, task);
          continue;
        }
        task.done += 1;
        task.checkpointed = Math.floor(task.done / this.params.turnSeconds) * this.params.turnSeconds;
        if (task.done >= task.duration) {
          task.finished = now;
          pod.tasks.splice(pod.tasks.indexOf(task), 1);
          this.finished.push(task);
        }
      }
      if (pod.stopDeadline !== undefined && (pod.tasks.length === 0 || now >= pod.stopDeadline)) {
        for (const task of [...pod.tasks]) this.interrupt(pod, task);
        this.pods.splice(this.pods.indexOf(pod), 1);
      }
    }
    if (apiUp && breakerClosed) this.dispatch(now);
    this.totals.agentSeconds += this.pods.length;
    if (now % this.params.scrapeSeconds === 0) this.scrape(now, breakerClosed);
  }

  /** Sets the Deployment's replicas: new pods start, or the ReplicaSet picks pods to stop. */
  scale(now: number, replicas: number, initial = false): void {
    if (replicas === this.replicas) return;
    if (!initial) this.totals.scaleEvents += 1;
    const { startDelaySeconds, spawnSeconds, drainSeconds } = this.params;
    for (let i = this.replicas; i < replicas; i++) {
      // Pods present at the start are already ready; later ones pay scheduling, pull and spawn.
      const readyAt = initial ? now : now + startDelaySeconds + spawnSeconds;
      this.pods.push({ readyAt, lastRead: readyAt, tasks: [] });
    }
    if (replicas < this.replicas) {
      for (const pod of this.deletionOrder(now).slice(0, this.replicas - replicas)) pod.stopDeadline = now + drainSeconds;
    }
    this.replicas = replicas;
  }

  view(now: number): FleetView {
    return {
      pods: this.active().map((p) => ({ ready: p.readyAt <= now, ...p.scraped })),
      backlog: this.scraped.backlog,
      circuitHoldingWork: this.scraped.circuitHoldingWork,
      lag: this.stream.length - this.streamHead,
      pending: this.backlog - (this.stream.length - this.streamHead),
      inFlight: this.scraped.inFlight,
    };
  }

  private active(): Pod[] {
    return this.pods.filter((p) => p.stopDeadline === undefined);
  }

  /** The ReplicaSet's ranking: not-yet-ready pods first, then by deletion cost if kept, then the most recently ready. */
  private deletionOrder(now: number): Pod[] {
    const cost = (p: Pod) => (this.params.deletion === 'idle-first' ? p.tasks.length : 0);
    return this.active().sort((a, b) => Number(a.readyAt <= now) - Number(b.readyAt <= now) || cost(a) - cost(b) || b.readyAt - a.readyAt);
  }

  private dispatch(now: number): void {
    const readers = this.active()
      .filter((p) => p.readyAt <= now)
      .sort((a, b) => a.lastRead - b.lastRead);
    for (const pod of readers) {
      while (pod.tasks.length < this.params.concurrency) {
        const task = this.givenBack.shift() ?? (this.streamHead < this.stream.length ? this.stream[this.streamHead++] : undefined);
        if (!task) return;
        task.firstStart ??= now;
        pod.tasks.push(task);
        pod.lastRead = now;
      }
    }
  }

  private scrape(now: number, breakerClosed: boolean): void {
    for (const pod of this.pods) {
      if (pod.readyAt > now) continue;
      const busy = pod.tasks.length;
      pod.scraped = {
        busyRatio: busy / this.params.concurrency,
        cpuPercent: this.params.cpuIdlePercent + busy * this.params.cpuPerBusySlotPercent,
      };
    }
    const backlog = this.backlog;
    const inFlight = this.pods.reduce((n, p) => n + p.tasks.length, 0);
    // llm-circuit.ts: a breaker that is not closed holds back work unless the backlog is empty.
    this.scraped = { backlog, circuitHoldingWork: !breakerClosed && backlog > 0, inFlight };
  }

  private queued(): number {
    return this.givenBack.length + this.stream.length - this.streamHead;
  }

  private giveBack(pod: Pod, task: Task): void {
    pod.tasks.splice(pod.tasks.indexOf(task), 1);
    task.done = task.checkpointed;
    this.givenBack.push(task);
  }

  private interrupt(pod: Pod, task: Task): void {
    const turns = this.params.turnSeconds;
    this.totals.interrupted += 1;
    this.totals.turnsLostWithCheckpoints += (task.done - task.checkpointed) / turns;
    this.totals.turnsLostWithoutCheckpoints += task.done / turns;
    this.giveBack(pod, task);
  }
}

/** Draws a task. */
export function newTask(id: number, arrival: number, duration: (rng: Prng) => number, rng: Prng): Task {
  return { id, arrival, duration: Math.max(1, Math.round(duration(rng))), done: 0, checkpointed: 0 };
}
