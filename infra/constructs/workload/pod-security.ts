import { k8s } from 'cdk8s-plus-28';

/**
 * The restricted Pod Security Standard, spelled out: cdk8s-plus sets no seccomp
 * profile and drops no capabilities by default, so every workload uses these.
 */
export function restrictedPodSecurity(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurity(uid: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A writable path on a read-only root filesystem: an emptyDir with a size limit. */
export interface ScratchMount {
  /** Volume name. */
  readonly name: string;
  /** Where the container sees it. */
  readonly mountPath: string;
  /** Upper bound on what may be written, e.g. '1Gi'. */
  readonly sizeLimit: string;
}

export function scratchVolumes(mounts: readonly ScratchMount[]): { volumes: k8s.Volume[]; volumeMounts: k8s.VolumeMount[] } {
  return {
    volumes: mounts.map((m) => ({ name: m.name, emptyDir: { sizeLimit: k8s.Quantity.fromString(m.sizeLimit) } })),
    volumeMounts: mounts.map((m) => ({ name: m.name, mountPath: m.mountPath })),
  };
}
