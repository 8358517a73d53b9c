import { Gauge, Registry } from 'prom-client';
import { AGENT_ROLES, ROLLOUT_METRICS } from '../contract';
import { TrackRouter } from './track-router';

/**
 * `hive_rollout_weight{role,track}` and `hive_rollout_step{role}` as the
 * router last read them, set at each scrape: Prometheus sees the split that
 * intake applies, whether or not a `hive rollout` process is running.
 */
export function registerRolloutGauges(registry: Registry, router: TrackRouter): void {
  new Gauge({
    name: ROLLOUT_METRICS.weight,
    help: "Percent of the role's new tasks routed to each track (the weights in Redis)",
    labelNames: ['role', 'track'],
    registers: [registry],
    collect() {
      // A track dropped from the weights must not linger at its last value.
      this.reset();
      for (const role of AGENT_ROLES) for (const { track, percent } of router.routingOf(role).weights) this.set({ role, track }, percent);
    },
  });
  new Gauge({
    name: ROLLOUT_METRICS.step,
    help: "The running rollout's step (1-based), 0 when none runs",
    labelNames: ['role'],
    registers: [registry],
    collect() {
      for (const role of AGENT_ROLES) this.set({ role }, router.routingOf(role).step);
    },
  });
}
