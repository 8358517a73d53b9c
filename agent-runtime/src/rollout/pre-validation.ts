import { describeGate, evaluateGates, GateResult } from './gate-evaluation';
import { PrometheusApi } from './prometheus-api';
import { readyAgentsQuery } from './rollout-gates';
import { RolloutPlan } from './rollout-plan';

/** What pre-validation found: every gate's first verdict, and what stops the rollout from starting. */
export interface PreValidation {
  readonly readyAgents: number;
  readonly gates: readonly GateResult[];
  readonly problems: readonly string[];
}

/**
 * Before the first task moves: the new track has ready agents (as
 * Prometheus scrapes them: the readiness the probes report, and proof that
 * the gates will see the track), and every gate answers with data and passes.
 */
export async function preValidate(prometheus: PrometheusApi, plan: RolloutPlan): Promise<PreValidation> {
  const [ready, gates] = await Promise.all([prometheus.query(readyAgentsQuery(plan)), evaluateGates(prometheus, plan.gates, { atStepEnd: false, fromPercent: 100, from: plan.from })]);
  const readyAgents = ready[0]?.value ?? 0;
  const problems = [
    ...(readyAgents >= 1 ? [] : [`no ready agent of ${plan.role} on track ${plan.to} (hive_agent_ready in Prometheus)`]),
    ...gates.filter((gate) => !gate.passed || !gate.judged).map((gate) => `gate ${describeGate(gate)}`),
  ];
  return { readyAgents, gates, problems };
}
