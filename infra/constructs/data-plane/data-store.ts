import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { InClusterStoreSpec } from '../../environment/environment-schema';
import { containerResources } from '../workload/container-resources';
import { hiveLabels, selectorLabels } from '../workload/labels';
import { restrictedContainerSecurity, restrictedPodSecurity, ScratchMount, scratchVolumes } from '../workload/pod-security';
import { SecretRef } from '../agents/secret-names';

export interface DataStoreProps {
  readonly namespace: string;
  /** Object name, Service DNS name and component label ('redis', 'postgres'). */
  readonly name: 'redis' | 'postgres';
  /** Image, storage size and resources from the environment. */
  readonly spec: InClusterStoreSpec;
  readonly port: number;
  /** UID the image's server runs as. */
  readonly uid: number;
  /** Where the persistent volume is mounted. */
  readonly dataPath: string;
  /** The credential, exposed to the container as `passwordEnv`. */
  readonly password: SecretRef;
  readonly passwordEnv: string;
  readonly command?: string[];
  readonly args?: string[];
  /** Further non-secret environment. */
  readonly env?: Record<string, string>;
  /** Writable paths besides the data volume. */
  readonly scratch: readonly ScratchMount[];
  /** Command that exits 0 once the store accepts clients. */
  readonly readinessCommand: string[];
}

/** A single-replica StatefulSet with a persistent volume and a headless Service, under the same pod security as the agents. */
export class DataStore extends Construct {
  constructor(scope: Construct, id: string, props: DataStoreProps) {
    super(scope, id);
    const labels = hiveLabels(props.name);
    const selector = selectorLabels(props.name);
    const metadata = { name: props.name, namespace: props.namespace, labels };
    const scratch = scratchVolumes(props.scratch);

    new k8s.KubeServiceAccount(this, 'service-account', { metadata, automountServiceAccountToken: false });

    new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        clusterIp: 'None',
        selector,
        ports: [{ name: props.name, port: props.port, targetPort: k8s.IntOrString.fromNumber(props.port), protocol: 'TCP' }],
      },
    });

    new k8s.KubeStatefulSet(this, 'stateful-set', {
      metadata,
      spec: {
        serviceName: props.name,
        replicas: 1,
        // The data outlives the StatefulSet: deleting or scaling it never deletes its volume.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: props.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(props.uid),
            terminationGracePeriodSeconds: 30,
            volumes: scratch.volumes,
            containers: [
              {
                name: props.name,
                image: props.spec.image,
                imagePullPolicy: 'IfNotPresent',
                command: props.command,
                args: props.args,
                ports: [{ name: props.name, containerPort: props.port, protocol: 'TCP' }],
                env: [
                  { name: props.passwordEnv, valueFrom: { secretKeyRef: { name: props.password.name, key: props.password.key } } },
                  ...Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value })),
                ],
                resources: containerResources(props.spec.resources),
                securityContext: restrictedContainerSecurity(props.uid),
                volumeMounts: [{ name: 'data', mountPath: props.dataPath }, ...scratch.volumeMounts],
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(props.port) }, periodSeconds: 10, failureThreshold: 3 },
                readinessProbe: { exec: { command: props.readinessCommand }, periodSeconds: 5, failureThreshold: 3 },
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(props.spec.storage) } } },
          },
        ],
      },
    });
  }
}
