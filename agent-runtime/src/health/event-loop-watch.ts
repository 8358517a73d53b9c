/**
 * Notices when the event loop stalls: a timer that fires late by more than
 * `thresholdMs` marks the loop unhealthy for a while, so the liveness probe
 * fails even when it happens to be answered between two stalls.
 */
export class EventLoopWatch {
  private timer?: NodeJS.Timeout;
  private lastTick = Date.now();
  private lastStallAt = 0;
  private lastStallMs = 0;

  constructor(
    private readonly thresholdMs: number,
    private readonly intervalMs = Math.min(500, Math.max(50, Math.floor(thresholdMs / 4))),
  ) {}

  start(): void {
    this.lastTick = Date.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Healthy unless a stall beyond the threshold was seen within the last three thresholds. */
  check(): { ok: boolean; reason?: string } {
    this.tick();
    const recent = Date.now() - this.lastStallAt < 3 * this.thresholdMs;
    return recent ? { ok: false, reason: `event loop stalled for ${this.lastStallMs} ms` } : { ok: true };
  }

  private tick(): void {
    const now = Date.now();
    const late = now - this.lastTick - this.intervalMs;
    if (late > this.thresholdMs) {
      this.lastStallAt = now;
      this.lastStallMs = late;
    }
    this.lastTick = now;
  }
}
