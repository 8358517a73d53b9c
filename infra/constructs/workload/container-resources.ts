import { k8s } from 'cdk8s-plus-28';
import { ResourceSpec } from '../../environment/environment-schema';

/**
 * Requests for scheduling and a memory limit against leaks. No CPU limit on
 * purpose: CFS throttling would stretch spawn and request latency while the
 * node has idle CPU; the namespace quota still bounds CPU requests.
 */
export function containerResources(spec: ResourceSpec): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(spec.cpuRequest), memory: k8s.Quantity.fromString(spec.memoryRequest) },
    limits: { memory: k8s.Quantity.fromString(spec.memoryLimit) },
  };
}
