import { k8s } from 'cdk8s-plus-28';
import { HEALTH_PATHS } from '../../../agent-runtime/src/contract';
import { HEALTH_PORT_NAME } from './runtime-ports';

/**
 * Startup, liveness and readiness probes of a runtime process (agent or
 * gateway). The startup probe gives a slow first start 30 s before liveness
 * counts; readiness fails fast so a draining pod leaves its Service at once.
 */
export function healthProbes(): Pick<k8s.Container, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> {
  return {
    startupProbe: httpProbe(HEALTH_PATHS.liveness, { periodSeconds: 2, failureThreshold: 15 }),
    livenessProbe: httpProbe(HEALTH_PATHS.liveness, { periodSeconds: 10, failureThreshold: 3 }),
    readinessProbe: httpProbe(HEALTH_PATHS.readiness, { periodSeconds: 5, failureThreshold: 2 }),
  };
}

function httpProbe(path: string, timing: { periodSeconds: number; failureThreshold: number }): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString(HEALTH_PORT_NAME) }, timeoutSeconds: 2, ...timing };
}
