/**
 * Secrets the manifests reference by name and the Pulumi program creates;
 * charts-out never holds their values.
 */
export const SECRETS = {
  anthropic: { name: 'agent-hive-anthropic', key: 'api-key' },
  redis: { name: 'agent-hive-redis', key: 'password' },
  postgres: { name: 'agent-hive-postgres', key: 'password' },
} as const;

export type SecretRef = (typeof SECRETS)[keyof typeof SECRETS];
