import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { AGENT_ROLES, AgentRole } from '../../agent-runtime/src/contract';
import { environmentApp } from '../chart/environment-app';
import { WorkloadImages } from '../chart/hive-chart';
import { Environment } from '../environment/environment-schema';
import { HiveSecrets, HiveSecretsArgs } from './hive-secrets';
import { imagesByDigest } from './images-by-digest';
import { secretsChecksum } from './secrets-checksum';
import { statefulProtection } from './stateful-protection';

export interface HiveDeploymentArgs {
  readonly environment: Environment;
  /** Image per role and the gateway's by content-hash tag, as synth renders them. */
  readonly images: WorkloadImages;
  /**
   * The same images by the digest that passed the smoke test: what the Deployments run. The sandbox's
   * only when it runs the built image: an environment's own sandbox image is pinned by digest already.
   */
  readonly imageDigests: Readonly<Record<Exclude<keyof WorkloadImages, 'sandbox'>, pulumi.Output<string>>> & { readonly sandbox?: pulumi.Output<string> };
  /** kubeconfig context of the cluster. */
  readonly kubeContext: string;
  readonly secrets: Omit<HiveSecretsArgs, 'namespace'>;
  /** Lets a namespace rename replace the Namespace instead of stopping the update. @default false */
  readonly allowNamespaceChange?: boolean;
}

/**
 * Deploys exactly what `cdk8s synth` renders for the environment: the
 * Namespace first, then the Secrets into it, then every other object.
 */
export class HiveDeployment extends pulumi.ComponentResource {
  readonly deploymentNames: Record<AgentRole | 'gateway', string>;

  constructor(name: string, args: HiveDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('agent-hive:kubernetes:HiveDeployment', name, {}, opts);
    const provider = new k8s.Provider(
      'kubernetes',
      { context: args.kubeContext, enableServerSideApply: true },
      { parent: this },
    );
    const { chart } = environmentApp(args.environment, args.images);
    // toJson() synthesizes (and validates) the chart: the same objects synth writes to charts-out.
    const objects = chart.toJson() as Array<{ kind: string }>;
    const namespaceObjects = objects.filter((o) => o.kind === 'Namespace');
    const rest = objects.filter((o) => o.kind !== 'Namespace');

    const transformations = [statefulProtection({ allowNamespaceChange: args.allowNamespaceChange })];
    const namespace = new k8s.yaml.ConfigGroup('namespace', { objs: namespaceObjects }, { parent: this, provider, transformations });
    const secrets = new HiveSecrets('secrets', { ...args.secrets, namespace: args.environment.namespace }, { parent: this, provider, dependsOn: [namespace] });
    new k8s.yaml.ConfigGroup(
      'agent-hive',
      {
        objs: rest,
        transformations: [
          secretsChecksum(secrets.valuesByName, args.secrets.anthropicApiKey),
          imagesByDigest(new Map(digestsByTag(args))),
        ],
      },
      { parent: this, provider, dependsOn: [namespace, secrets], transformations },
    );

    this.deploymentNames = {
      ...(Object.fromEntries(AGENT_ROLES.map((role) => [role, chart.roles[role].deployment.name])) as Record<AgentRole, string>),
      gateway: chart.gateway.deployment.name,
    };
    this.registerOutputs({ deploymentNames: this.deploymentNames });
  }
}

/** Each tested image's digest by the tag reference synth renders. */
function digestsByTag(args: HiveDeploymentArgs): Array<[string, pulumi.Output<string>]> {
  return (Object.keys(args.images) as Array<keyof WorkloadImages>).flatMap((workload) => {
    const digest = args.imageDigests[workload];
    return digest ? [[args.images[workload], digest] as [string, pulumi.Output<string>]] : [];
  });
}
