import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ENV, GATEWAY_ENV, GATEWAY_PORT } from '../../../agent-runtime/src/contract';
import { GatewaySpec, ResourceSpec } from '../../environment/environment-schema';
import { SECRETS } from '../agents/secret-names';
import { containerResources } from '../workload/container-resources';
import { healthProbes } from '../workload/http-probes';
import { hiveLabels, selectorLabels } from '../workload/labels';
import { restrictedContainerSecurity, scratchVolumes } from '../workload/pod-security';
import { AGENT_UID, runtimePod } from '../workload/runtime-pod';
import { PRE_STOP_SECONDS, preStopDelay } from '../workload/pre-stop';
import { metricsServicePort, runtimeContainerPorts } from '../workload/runtime-ports';
import { spreadOverNodes, surgeOneAtATime } from '../workload/scaled-out';

/** Name of the gateway's Deployment, Service, ServiceAccount and the objects around them. */
export const GATEWAY_NAME = 'hive-gateway';

/** Name of the A2A port, on the container and the Service; the Ingress routes to it. */
export const A2A_PORT_NAME = 'a2a';

/** The gateway's entry point. The base image's ENTRYPOINT starts an agent, so the container replaces it. */
export const GATEWAY_COMMAND = ['node', '/app/agent-runtime/dist/gateway.js'];

/** Where the tokens Secret is mounted; HIVE_GATEWAY_TOKENS_FILE names its one file. */
const TOKENS_DIR = '/etc/hive-gateway';

/**
 * Seconds after the preStop delay for requests in flight to finish. The gateway
 * holds no task: a stream cut here is resumed by the client on another pod.
 */
const DRAIN_SECONDS = 25;

/** What the gateway enforces, from the environment. */
export type GatewaySettings = Pick<GatewaySpec, 'publicUrl' | 'retentionDays' | 'rateLimit' | 'maxInFlight' | 'maxBodyBytes'>;

export interface GatewayDeploymentProps {
  readonly namespace: string;
  /** The runtime base image, pinned by content-hash tag or digest. */
  readonly image: string;
  readonly resources: ResourceSpec;
  readonly settings: GatewaySettings;
  /** The runtime ConfigMap the agents read too (Redis URL, ports, task budget caps). */
  readonly configMapName: string;
  /** Checksum of that ConfigMap's data, on the pod template so a config change rolls the pods. */
  readonly configChecksum: string;
}

/**
 * The gateway's ServiceAccount, Deployment and Service. It runs the agents'
 * base image with its own entry point; an HPA owns the replica count.
 */
export class GatewayDeployment extends Construct {
  readonly name = GATEWAY_NAME;
  readonly terminationGracePeriodSeconds = PRE_STOP_SECONDS + DRAIN_SECONDS;

  constructor(scope: Construct, id: string, props: GatewayDeploymentProps) {
    super(scope, id);
    const labels = hiveLabels('gateway');
    const selector = selectorLabels('gateway');
    const metadata = { name: this.name, namespace: props.namespace, labels };
    const secretEnv = (name: string, ref: { name: string; key: string }): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } });
    const { settings } = props;

    // The gateway never calls the Kubernetes API: own account, no token.
    new k8s.KubeServiceAccount(this, 'service-account', { metadata, automountServiceAccountToken: false });

    // With DATABASE_URL set the gateway writes nothing; /tmp is for what Node and its libraries may still put there.
    const scratch = scratchVolumes([{ name: 'tmp', mountPath: '/tmp', sizeLimit: '64Mi' }]);

    // The same image as the agents, so the same user.
    const pod = runtimePod({ labels, configChecksum: props.configChecksum, serviceAccountName: this.name, terminationGracePeriodSeconds: this.terminationGracePeriodSeconds });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata,
      spec: {
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: surgeOneAtATime(),
        template: {
          metadata: pod.metadata,
          spec: {
            ...pod.spec,
            topologySpreadConstraints: spreadOverNodes(selector),
            volumes: [
              ...scratch.volumes,
              // Read by the pod's group (fsGroup) only.
              { name: 'tokens', secret: { secretName: SECRETS.gatewayTokens.name, defaultMode: 0o440, items: [{ key: SECRETS.gatewayTokens.key, path: SECRETS.gatewayTokens.key }] } },
            ],
            containers: [
              {
                name: 'gateway',
                image: props.image,
                // The tag is immutable; a registry round trip on every start only costs start time.
                imagePullPolicy: 'IfNotPresent',
                command: GATEWAY_COMMAND,
                ports: [{ name: A2A_PORT_NAME, containerPort: GATEWAY_PORT, protocol: 'TCP' }, ...runtimeContainerPorts()],
                envFrom: [{ configMapRef: { name: props.configMapName } }],
                env: [
                  { name: GATEWAY_ENV.port, value: String(GATEWAY_PORT) },
                  { name: GATEWAY_ENV.publicUrl, value: settings.publicUrl },
                  { name: GATEWAY_ENV.tokensFile, value: `${TOKENS_DIR}/${SECRETS.gatewayTokens.key}` },
                  { name: GATEWAY_ENV.retentionDays, value: String(settings.retentionDays) },
                  { name: GATEWAY_ENV.rateLimit, value: String(settings.rateLimit) },
                  { name: GATEWAY_ENV.maxInFlight, value: String(settings.maxInFlight) },
                  { name: GATEWAY_ENV.maxBodyBytes, value: String(settings.maxBodyBytes) },
                  { name: ENV.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  secretEnv(ENV.redisPassword, SECRETS.redis),
                  secretEnv(GATEWAY_ENV.databaseUrl, SECRETS.gatewayDatabase),
                ],
                resources: containerResources(props.resources),
                securityContext: restrictedContainerSecurity(AGENT_UID),
                volumeMounts: [...scratch.volumeMounts, { name: 'tokens', mountPath: TOKENS_DIR, readOnly: true }],
                ...healthProbes(),
                lifecycle: preStopDelay(),
              },
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        selector,
        ports: [{ name: A2A_PORT_NAME, port: GATEWAY_PORT, targetPort: k8s.IntOrString.fromString(A2A_PORT_NAME), protocol: 'TCP' }, metricsServicePort()],
      },
    });
  }
}
