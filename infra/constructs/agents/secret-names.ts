/**
 * Secrets the manifests reference by name and the Pulumi program creates;
 * charts-out never holds their values.
 */
export const SECRETS = {
  anthropic: { name: 'agent-hive-anthropic', key: 'api-key' },
  redis: { name: 'agent-hive-redis', key: 'password' },
  postgres: { name: 'agent-hive-postgres', key: 'password' },
  /** One `<client> <sha256 hex of its token>` line per gateway client, mounted as a file. */
  gatewayTokens: { name: 'agent-hive-gateway-tokens', key: 'tokens' },
  /** The gateway's PostgreSQL URL (DATABASE_URL), credentials included. */
  gatewayDatabase: { name: 'agent-hive-gateway-database', key: 'url' },
  /** HTTPS token to clone and fetch with; only the agent container of a role with a sandbox reads it, never the sandbox. */
  git: { name: 'agent-hive-git', key: 'token' },
  /** A token that may push branches, in the same Secret; absent: agents do not push. */
  gitPush: { name: 'agent-hive-git', key: 'push-token' },
} as const;

export type SecretRef = (typeof SECRETS)[keyof typeof SECRETS];
