import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AgentRole, BRIDGE_METRICS } from '../contract';

/** The bridge's metrics, on its own registry. */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly routed: Counter<'role' | 'track'>;
  readonly rejected: Counter<'role'>;

  /** `legacyBacklog` reads the old workers' list's length at each scrape; undefined leaves the gauge out. */
  constructor(role: AgentRole, legacyBacklog: () => Promise<number | undefined>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1_000 });
    this.routed = new Counter({ name: BRIDGE_METRICS.routedTotal, help: 'Source-list entries routed, by track (legacy: to the old system)', labelNames: ['role', 'track'], registers });
    this.rejected = new Counter({ name: BRIDGE_METRICS.rejectedTotal, help: 'Source-list entries that are not a task, kept in the rejected list', labelNames: ['role'], registers });
    // Present from the start, so increase() sees the first one.
    this.rejected.inc({ role }, 0);
    new Gauge({
      name: BRIDGE_METRICS.legacyBacklog,
      help: "Entries waiting in the old workers' list (LLEN at each scrape): the old system's work left during a migration",
      labelNames: ['role'],
      registers,
      async collect() {
        // A scrape while Redis is away shows no value rather than a stale one.
        this.reset();
        const backlog = await legacyBacklog().catch(() => undefined);
        if (backlog !== undefined) this.set({ role }, backlog);
      },
    });
  }
}
