import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { AgentRole, BRIDGE_METRICS } from '../contract';

/** The bridge's metrics, on its own registry. */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly routed: Counter<'role' | 'track'>;
  readonly rejected: Counter<'role'>;

  constructor(role: AgentRole) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1_000 });
    this.routed = new Counter({ name: BRIDGE_METRICS.routedTotal, help: 'Source-list entries routed, by track (legacy: to the old system)', labelNames: ['role', 'track'], registers });
    this.rejected = new Counter({ name: BRIDGE_METRICS.rejectedTotal, help: 'Source-list entries that are not a task, kept in the rejected list', labelNames: ['role'], registers });
    // Present from the start, so increase() sees the first one.
    this.rejected.inc({ role }, 0);
  }
}
