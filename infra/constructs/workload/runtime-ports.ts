import { k8s } from 'cdk8s-plus-28';
import { HEALTH_PORT, METRICS_PORT } from '../../../agent-runtime/src/contract';

/** Port names of every runtime process (agent or gateway): the probes and the ServiceMonitors refer to them. */
export const HEALTH_PORT_NAME = 'health';
export const METRICS_PORT_NAME = 'metrics';

/** The health and metrics ports every runtime container serves. */
export function runtimeContainerPorts(): k8s.ContainerPort[] {
  return [
    { name: HEALTH_PORT_NAME, containerPort: HEALTH_PORT, protocol: 'TCP' },
    { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: 'TCP' },
  ];
}

/** The Service port Prometheus scrapes. */
export function metricsServicePort(): k8s.ServicePort {
  return { name: METRICS_PORT_NAME, port: METRICS_PORT, targetPort: k8s.IntOrString.fromString(METRICS_PORT_NAME), protocol: 'TCP' };
}
