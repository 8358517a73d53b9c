import { k8s } from 'cdk8s-plus-28';
import { CONFIG_CHECKSUM_ANNOTATION } from '../agents/runtime-config';
import { restrictedPodSecurity } from './pod-security';

/** The UID/GID the runtime images run as (agent-runtime/Dockerfile.agent-base): agents, gateway and bridge alike. */
export const AGENT_UID = 10001;

/** What makes a runtime pod (an agent's, the gateway's, the bridge's). */
export interface RuntimePodProps {
  readonly labels: Readonly<Record<string, string>>;
  /** Checksum of the runtime ConfigMap's data, on the pod so a config change rolls it. */
  readonly configChecksum: string;
  /** Its own ServiceAccount, whose token it never mounts. */
  readonly serviceAccountName: string;
  readonly terminationGracePeriodSeconds: number;
}

/**
 * What every pod of the runtime image shares: the config checksum, its own
 * account without a token (it never calls the Kubernetes API), and the
 * image's user under the restricted Pod Security Standard.
 */
export function runtimePod(props: RuntimePodProps): { metadata: k8s.ObjectMeta; spec: Pick<k8s.PodSpec, 'serviceAccountName' | 'automountServiceAccountToken' | 'securityContext' | 'terminationGracePeriodSeconds'> } {
  return {
    metadata: { labels: { ...props.labels }, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: props.configChecksum } },
    spec: {
      serviceAccountName: props.serviceAccountName,
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurity(AGENT_UID),
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
    },
  };
}
