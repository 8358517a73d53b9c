import { k8s } from 'cdk8s-plus-28';

/** Seconds the preStop hook waits, so the pod leaves its Service's endpoints before the process drains. */
export const PRE_STOP_SECONDS = 3;

/** The preStop hook: endpoint removal and SIGTERM race otherwise, and a request routed in between meets a closed port. */
export function preStopDelay(): k8s.Lifecycle {
  return { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } };
}
