import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { SECRETS, SecretRef } from '../constructs/agents/secret-names';

export interface HiveSecretsArgs {
  readonly namespace: string;
  readonly anthropicApiKey: pulumi.Output<string>;
  readonly redisPassword: pulumi.Output<string>;
  /** Only when PostgreSQL runs in the cluster. */
  readonly postgresPassword?: pulumi.Output<string>;
  /** The gateway's tokens file: one `<client> <sha256 hex>` line per client. */
  readonly gatewayTokens: pulumi.Output<string>;
  /** The gateway's PostgreSQL URL, credentials included. */
  readonly databaseUrl: pulumi.Output<string>;
}

/** The Kubernetes Secrets the manifests reference by name, from Pulumi secret config. */
export class HiveSecrets extends pulumi.ComponentResource {
  readonly secrets: k8s.core.v1.Secret[];
  /** Each Secret's value by Secret name, for the workloads' checksums. */
  readonly valuesByName: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: HiveSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('agent-hive:secrets:HiveSecrets', name, {}, opts);
    const values: Array<[SecretRef, pulumi.Output<string> | undefined]> = [
      [SECRETS.anthropic, args.anthropicApiKey],
      [SECRETS.redis, args.redisPassword],
      [SECRETS.postgres, args.postgresPassword],
      [SECRETS.gatewayTokens, args.gatewayTokens],
      [SECRETS.gatewayDatabase, args.databaseUrl],
    ];
    const present = values.filter((entry): entry is [SecretRef, pulumi.Output<string>] => entry[1] !== undefined);
    this.valuesByName = Object.fromEntries(present.map(([ref, value]) => [ref.name, value]));
    this.secrets = present
      .map(
        ([ref, value]) =>
          new k8s.core.v1.Secret(
            ref.name,
            {
              metadata: {
                name: ref.name,
                namespace: args.namespace,
                labels: { 'app.kubernetes.io/name': 'agent-hive', 'app.kubernetes.io/part-of': 'agent-hive', 'app.kubernetes.io/component': 'config' },
              },
              type: 'Opaque',
              stringData: { [ref.key]: pulumi.secret(value) },
            },
            { parent: this },
          ),
      );
    this.registerOutputs({});
  }
}
