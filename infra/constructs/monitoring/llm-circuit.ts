import { CIRCUIT_STATE_VALUE, METRICS } from '../../../agent-runtime/src/contract';

/** A role's breaker as one series per role. */
export function circuitStateByRole(matchers: string): string {
  // Every agent of a role reports the same shared breaker, but each one's view lags Redis
  // by up to a refresh: max counts the breaker as soon as any agent sees it leave closed.
  return `max by (role) (${METRICS.llmCircuitState}{${matchers}})`;
}

/**
 * Roles whose Messages-API breaker holds back work: not closed, unless the
 * role's backlog is known to be empty. Half-open counts: it lasts as long as the
 * probe task and ends in open again while the API is down, so an outage reads as
 * one stretch. An empty backlog does not: with no task to probe with, the breaker
 * stays half-open after an outage until work arrives, and nothing is held back
 * meanwhile. The value is the breaker's state.
 */
export function circuitHoldingWork(matchers: string): string {
  return (
    `(${circuitStateByRole(matchers)} > ${CIRCUIT_STATE_VALUE.closed})` +
    ` unless on(role) (max by (role) (${METRICS.queueBacklog}{${matchers}}) == 0)`
  );
}
