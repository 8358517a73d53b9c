import { parseTokenLines } from '../../agent-runtime/src/gateway/client-tokens';
import { POSTGRES_PORT } from '../constructs/data-plane/postgres-store';
import { Environment } from '../environment/environment-schema';

// Checks of secret config values before any resource exists. A problem names the
// line or the part of the value at fault, never the value: it ends up in logs.

/**
 * What is wrong with a gateway tokens file, or undefined when the gateway will
 * read it: the gateway refuses to start on a bad line, so a bad file would
 * crash-loop every gateway pod after `pulumi up`. The gateway's own parser decides.
 */
export function gatewayTokensProblem(text: string): string | undefined {
  const parsed = parseTokenLines(text);
  return typeof parsed === 'string' ? parsed : undefined;
}

/**
 * What is wrong with the gateway's DATABASE_URL, or undefined. Its host and
 * port must be the environment's PostgreSQL: the NetworkPolicy lets the gateway
 * reach no other, and a URL elsewhere would only time out at run time.
 */
export function databaseUrlProblem(value: string, env: Environment): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL (postgres://user:password@host:port/database)';
  }
  if (!['postgres:', 'postgresql:'].includes(url.protocol)) return `must use postgres: or postgresql:, not ${url.protocol}`;
  const store = env.postgres;
  const hosts =
    store.mode === 'in-cluster' ? ['postgres', `postgres.${env.namespace}`, `postgres.${env.namespace}.svc`, `postgres.${env.namespace}.svc.cluster.local`] : [store.host];
  if (!hosts.includes(url.hostname)) return `must point at the environment's PostgreSQL, ${hosts[0]}: the gateway's NetworkPolicy allows no other`;
  const port = store.mode === 'in-cluster' ? POSTGRES_PORT : store.port;
  if (Number(url.port || POSTGRES_PORT) !== port) return `must use port ${port}, the environment's PostgreSQL port`;
  return undefined;
}
