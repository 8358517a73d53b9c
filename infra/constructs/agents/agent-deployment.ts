import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { AgentRole, DEFAULT_WORKSPACE_DIR, ENV, STABLE_TRACK } from '../../../agent-runtime/src/contract';
import { ResourceSpec } from '../../environment/environment-schema';
import { containerResources } from '../workload/container-resources';
import { healthProbes } from '../workload/http-probes';
import { agentLabels, agentSelectorLabels } from '../workload/labels';
import { restrictedContainerSecurity, scratchVolumes } from '../workload/pod-security';
import { AGENT_UID, runtimePod } from '../workload/runtime-pod';
import { PRE_STOP_SECONDS, preStopDelay } from '../workload/pre-stop';
import { metricsServicePort, runtimeContainerPorts } from '../workload/runtime-ports';
import { spreadOverNodes, surgeOneAtATime } from '../workload/scaled-out';
import { SandboxOptions, sandboxSidecar } from './sandbox-sidecar';
import { SECRETS } from './secret-names';

/** `agent-<role>` for the stable track, `agent-<role>-<track>` for another: the name of every object of the track. */
export function agentWorkloadName(role: AgentRole, track: string = STABLE_TRACK): string {
  return track === STABLE_TRACK ? `agent-${role}` : `agent-${role}-${track}`;
}

export interface AgentDeploymentProps {
  readonly namespace: string;
  readonly role: AgentRole;
  /** The role's track these agents serve (HIVE_TRACK). @default 'stable' */
  readonly track?: string;
  /** Variables of this Deployment beyond the ConfigMap's and the role's, e.g. a track's model. @default none */
  readonly settings?: Readonly<Record<string, string>>;
  /** Image reference pinned by content-hash tag or digest. */
  readonly image: string;
  readonly resources: ResourceSpec;
  /** Tasks in flight per agent (HIVE_CONCURRENCY). */
  readonly concurrency: number;
  /** ConfigMap with the settings all roles share (RuntimeConfig). */
  readonly configMapName: string;
  /** Checksum of that ConfigMap's data, on the pod template so a config change rolls the pods. */
  readonly configChecksum: string;
  /** How long the runtime may drain in-flight tasks after SIGTERM. */
  readonly shutdownGraceMs: number;
  /**
   * 'singleton': exactly one pod, never two at once (Recreate).
   * 'autoscaled': an HPA owns the replica count, so the Deployment sets none.
   * 'zero': no pod, and nothing scales it (a track out of use).
   */
  readonly scaling: 'singleton' | 'autoscaled' | 'zero';
  /** The sandbox sidecar, for a role whose agents run commands; omitted: none. */
  readonly sandbox?: SandboxOptions;
}

/** One role's ServiceAccount, Deployment and metrics Service. */
export class AgentDeployment extends Construct {
  readonly name: string;
  /** Seconds Kubernetes waits between SIGTERM and SIGKILL. */
  readonly terminationGracePeriodSeconds: number;

  constructor(scope: Construct, id: string, props: AgentDeploymentProps) {
    super(scope, id);
    if (!Number.isInteger(props.concurrency) || props.concurrency < 1) {
      throw new Error(`'concurrency' (${props.concurrency}) must be an integer >= 1`);
    }
    const track = props.track ?? STABLE_TRACK;
    this.name = agentWorkloadName(props.role, track);
    this.terminationGracePeriodSeconds = Math.ceil(props.shutdownGraceMs / 1000) + PRE_STOP_SECONDS + 5;
    const labels = agentLabels(props.role, track);
    const selector = agentSelectorLabels(props.role, track);
    const metadata = { name: this.name, namespace: props.namespace, labels };

    // Agents never call the Kubernetes API: own account, no token.
    new k8s.KubeServiceAccount(this, 'service-account', { metadata, automountServiceAccountToken: false });

    const workspace = { name: 'workspace', mountPath: DEFAULT_WORKSPACE_DIR, sizeLimit: props.sandbox?.workspaceSize ?? '2Gi' };
    const scratch = scratchVolumes([workspace, { name: 'tmp', mountPath: '/tmp', sizeLimit: '256Mi' }]);
    const sidecar = props.sandbox ? sandboxSidecar({ ...props.sandbox, workspace }) : undefined;

    const pod = runtimePod({ labels, configChecksum: props.configChecksum, serviceAccountName: this.name, terminationGracePeriodSeconds: this.terminationGracePeriodSeconds });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata,
      spec: {
        ...(props.scaling === 'singleton' ? { replicas: 1 } : props.scaling === 'zero' ? { replicas: 0 } : {}),
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: props.scaling === 'singleton' ? { type: 'Recreate' } : surgeOneAtATime(),
        template: {
          metadata: pod.metadata,
          spec: {
            ...pod.spec,
            ...(props.scaling !== 'singleton' ? { topologySpreadConstraints: spreadOverNodes(selector) } : {}),
            volumes: [...scratch.volumes, ...(sidecar?.volumes ?? [])],
            containers: [
              {
                name: 'agent',
                image: props.image,
                // The tag is immutable; a registry round trip on every start only costs spawn time.
                imagePullPolicy: 'IfNotPresent',
                ports: runtimeContainerPorts(),
                envFrom: [{ configMapRef: { name: props.configMapName } }],
                env: [
                  { name: ENV.role, value: props.role },
                  ...(track === STABLE_TRACK ? [] : [{ name: ENV.track, value: track }]),
                  { name: ENV.concurrency, value: String(props.concurrency) },
                  ...Object.entries(props.settings ?? {}).map(([name, value]) => ({ name, value })),
                  { name: ENV.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: ENV.anthropicApiKey, valueFrom: { secretKeyRef: { name: SECRETS.anthropic.name, key: SECRETS.anthropic.key } } },
                  { name: ENV.redisPassword, valueFrom: { secretKeyRef: { name: SECRETS.redis.name, key: SECRETS.redis.key } } },
                  ...(sidecar?.agentEnv ?? []),
                ],
                resources: containerResources(props.resources),
                securityContext: restrictedContainerSecurity(AGENT_UID),
                volumeMounts: [...scratch.volumeMounts, ...(sidecar?.agentVolumeMounts ?? [])],
                ...healthProbes(),
                lifecycle: preStopDelay(),
              },
              ...(sidecar ? [sidecar.container] : []),
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        selector,
        ports: [metricsServicePort()],
      },
    });
  }
}
