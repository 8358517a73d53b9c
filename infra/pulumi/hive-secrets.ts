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
  /** HTTPS token the agents clone with; omitted: public repositories only. */
  readonly gitToken?: pulumi.Output<string>;
  /** A token that may push branches; omitted: agents do not push. */
  readonly gitPushToken?: pulumi.Output<string>;
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
      [SECRETS.git, args.gitToken],
      [SECRETS.gitPush, args.gitPushToken],
    ];
    const present = values.filter((entry): entry is [SecretRef, pulumi.Output<string>] => entry[1] !== undefined);
    // A Secret may hold several keys (the git tokens): one Secret per name.
    const byName = new Map<string, Array<[SecretRef, pulumi.Output<string>]>>();
    for (const entry of present) byName.set(entry[0].name, [...(byName.get(entry[0].name) ?? []), entry]);
    this.valuesByName = Object.fromEntries(
      [...byName].map(([name, entries]) => [name, entries.length === 1 ? entries[0][1] : pulumi.all(entries.map(([, value]) => value)).apply((v) => JSON.stringify(v))]),
    );
    this.secrets = [...byName].map(
      ([name, entries]) =>
        new k8s.core.v1.Secret(
          name,
          {
            metadata: {
              name,
              namespace: args.namespace,
              labels: { 'app.kubernetes.io/name': 'agent-hive', 'app.kubernetes.io/part-of': 'agent-hive', 'app.kubernetes.io/component': 'config' },
            },
            type: 'Opaque',
            stringData: Object.fromEntries(entries.map(([ref, value]) => [ref.key, pulumi.secret(value)])),
          },
          { parent: this },
        ),
    );
    this.registerOutputs({});
  }
}
