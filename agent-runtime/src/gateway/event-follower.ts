import { HiveKeys } from '../contract';
import { RedisClient } from '../queue/redis-connections';
import { FleetEvent, parseEvent } from './fleet-channel';

/** How long one read waits: also how late a newly followed task joins the read. */
const BLOCK_MS = 100;

interface Follower {
  lastId: string;
  readonly push: (event: FleetEvent) => void;
  /** Lets a waiting follower look at the signal and the closed flag again. */
  readonly wake: () => void;
}

/**
 * Follows the events streams of every task some client is watching with one
 * blocking XREAD on its own connection, however many streams are open, and
 * hands each event to its task's followers.
 */
export class EventFollower {
  private readonly followers = new Map<string, Set<Follower>>();
  private running?: Promise<void>;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: HiveKeys,
  ) {}

  /** Events of the task after `fromId`, until one of the signals aborts or a `done` event has been yielded. */
  async *follow(taskId: string, fromId: string, ...signals: AbortSignal[]): AsyncGenerator<FleetEvent> {
    const queue: FleetEvent[] = [];
    let wake: (() => void) | undefined;
    const follower: Follower = { lastId: fromId, push: (event) => (queue.push(event), wake?.()), wake: () => wake?.() };
    const set = this.followers.get(taskId) ?? new Set();
    set.add(follower);
    this.followers.set(taskId, set);
    this.running ??= this.loop();
    for (const signal of signals) signal.addEventListener('abort', follower.wake);
    try {
      while (!signals.some((signal) => signal.aborted) && !this.closed) {
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        yield event;
        if (event.type === 'done') return;
      }
    } finally {
      for (const signal of signals) signal.removeEventListener('abort', follower.wake);
      set.delete(follower);
      if (set.size === 0) this.followers.delete(taskId);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.followers.values()) for (const follower of set) follower.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const tasks = [...this.followers.keys()];
      if (tasks.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, BLOCK_MS));
        continue;
      }
      // Each stream from the earliest position any of its followers still needs.
      const from = tasks.map((task) => {
        const [first, ...rest] = this.followers.get(task)!;
        return rest.reduce((min, f) => (compareIds(f.lastId, min) < 0 ? f.lastId : min), first.lastId);
      });
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = (await this.redis.xread('COUNT', 100, 'BLOCK', BLOCK_MS, 'STREAMS', ...tasks.map((t) => this.keys.events(t)), ...from)) as typeof reply;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500)); // Redis away: followers keep waiting
        continue;
      }
      for (const [stream, entries] of reply ?? []) {
        const task = tasks[tasks.findIndex((t) => this.keys.events(t) === stream)];
        for (const [id, flat] of entries) {
          for (const follower of this.followers.get(task) ?? []) {
            if (compareIds(id, follower.lastId) <= 0) continue;
            follower.lastId = id;
            follower.push(parseEvent(id, flat));
          }
        }
      }
    }
  }
}

/** Orders stream ids (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
