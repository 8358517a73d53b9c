import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { BRIDGE_ENV, ENV } from '../../../agent-runtime/src/contract';
import { BridgeSpec } from '../../environment/environment-schema';
import { SECRETS } from '../agents/secret-names';
import { fillMissingRole, MetricsServiceMonitor } from '../monitoring/metrics-service-monitor';
import { containerResources } from '../workload/container-resources';
import { healthProbes } from '../workload/http-probes';
import { hiveLabels, selectorLabels } from '../workload/labels';
import { restrictedContainerSecurity, scratchVolumes } from '../workload/pod-security';
import { AGENT_UID, runtimePod } from '../workload/runtime-pod';
import { metricsServicePort, runtimeContainerPorts } from '../workload/runtime-ports';

/** Name of the bridge's Deployment, Service, ServiceAccount and ServiceMonitor. */
export const BRIDGE_NAME = 'hive-bridge';

/** The `role` of the bridge's series that have none of their own, as the dashboard groups them. */
export const BRIDGE_SERIES_ROLE = 'bridge';

/** The bridge's entry point, in the base image the gateway runs too. */
export const BRIDGE_COMMAND = ['node', '/app/agent-runtime/dist/bridge.js'];

/** A task the bridge holds is in Redis at every step, so a stop needs no long drain. */
const TERMINATION_GRACE_SECONDS = 15;

export interface HiveBridgeProps {
  readonly namespace: string;
  /** The runtime base image, pinned by content-hash tag or digest. */
  readonly image: string;
  /** The environment's `legacy.bridge`. */
  readonly spec: BridgeSpec;
  /** The list the old workers BRPOP from (`legacy.list`). */
  readonly legacyList: string;
  /** The runtime ConfigMap (Redis URL, ports) and the checksum of its data. */
  readonly configMapName: string;
  readonly configChecksum: string;
  /** Labels Prometheus selects the ServiceMonitor by. */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
}

/**
 * The bridge from the old system: it takes what the old producers still push onto
 * `spec.source` and routes each task by the role's weights, the legacy track's share to
 * `legacyList`. Its ServiceAccount, Deployment (one pod at most, never two at once:
 * Recreate), metrics Service and ServiceMonitor.
 */
export class HiveBridge extends Construct {
  readonly name = BRIDGE_NAME;

  constructor(scope: Construct, id: string, props: HiveBridgeProps) {
    super(scope, id);
    const labels = hiveLabels('bridge');
    const selector = selectorLabels('bridge');
    const metadata = { name: this.name, namespace: props.namespace, labels };
    const scratch = scratchVolumes([{ name: 'tmp', mountPath: '/tmp', sizeLimit: '64Mi' }]);

    // The bridge never calls the Kubernetes API: own account, no token.
    new k8s.KubeServiceAccount(this, 'service-account', { metadata, automountServiceAccountToken: false });

    // The base image, so the agents' user.
    const pod = runtimePod({ labels, configChecksum: props.configChecksum, serviceAccountName: this.name, terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata,
      spec: {
        replicas: props.spec.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'Recreate' },
        template: {
          metadata: pod.metadata,
          spec: {
            ...pod.spec,
            volumes: scratch.volumes,
            containers: [
              {
                name: 'bridge',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                command: BRIDGE_COMMAND,
                ports: runtimeContainerPorts(),
                envFrom: [{ configMapRef: { name: props.configMapName } }],
                env: [
                  { name: BRIDGE_ENV.legacyList, value: props.legacyList },
                  { name: BRIDGE_ENV.source, value: props.spec.source },
                  { name: BRIDGE_ENV.role, value: props.spec.role },
                  { name: ENV.redisPassword, valueFrom: { secretKeyRef: { name: SECRETS.redis.name, key: SECRETS.redis.key } } },
                  { name: ENV.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ],
                resources: containerResources(props.spec.resources),
                securityContext: restrictedContainerSecurity(AGENT_UID),
                volumeMounts: scratch.volumeMounts,
                ...healthProbes(),
              },
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', { metadata, spec: { selector, ports: [metricsServicePort()] } });

    new MetricsServiceMonitor(this, 'scrape', {
      namespace: props.namespace,
      serviceName: this.name,
      serviceSelector: selector,
      labels: hiveLabels('monitoring'),
      prometheusSelectorLabels: props.prometheusSelectorLabels,
      roleLabeling: fillMissingRole(BRIDGE_SERIES_ROLE),
    });
  }
}
