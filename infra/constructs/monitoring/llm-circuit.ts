import { CIRCUIT_STATE_VALUE, METRICS } from '../../../agent-runtime/src/contract';

/** A role's breaker as one series per role and track. */
export function circuitStateByTrack(matchers: string): string {
  // Every agent of a role, whatever its track, reports the role's one breaker, but each one's
  // view lags Redis by up to a refresh: max counts the breaker as soon as any agent sees it
  // leave closed. Per track, because the backlog it holds back is per track.
  return `max by (role, track) (${METRICS.llmCircuitState}{${matchers}})`;
}

/**
 * Tracks whose role's Messages-API breaker holds back work: not closed, unless the
 * track's backlog is known to be empty. Half-open counts: it lasts as long as the
 * probe task and ends in open again while the API is down, so an outage reads as
 * one stretch. An empty backlog does not: with no task to probe with, the breaker
 * stays half-open after an outage until work arrives, and nothing is held back
 * meanwhile. The value is the breaker's state.
 */
export function circuitHoldingWork(matchers: string): string {
  return (
    `(${circuitStateByTrack(matchers)} > ${CIRCUIT_STATE_VALUE.closed})` +
    ` unless on(role, track) (max by (role, track) (${METRICS.queueBacklog}{${matchers}}) == 0)`
  );
}
