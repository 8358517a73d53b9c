import { POSTGRES_PORT } from '../constructs/data-plane/postgres-store';
import { Environment } from '../environment/environment-schema';

// Checks of secret config values before any resource exists. A problem names the
// line or the part of the value at fault, never the value: it ends up in logs.

/**
 * `<client> <sha256 hex of the token>`, as `hive token create <client>` prints it;
 * the client name as the gateway accepts it (a metric label and the owner of tasks).
 */
const TOKEN_LINE = /^([\w.-]{1,64})\s+([0-9a-f]{64})$/;

/**
 * What is wrong with a gateway tokens file, or undefined when the gateway will
 * read it: the gateway refuses to start on a bad line, so a bad file would
 * crash-loop every gateway pod after `pulumi up`. Blank lines and `#` comments
 * are allowed; a client may have several tokens (while one replaces another).
 */
export function gatewayTokensProblem(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((line, index) => ({ number: index + 1, text: line.trim() }))
    .filter((line) => line.text !== '' && !line.text.startsWith('#'));
  if (lines.length === 0) return 'has no client: add the line `hive token create <client>` prints';
  const hashes = new Map<string, number>();
  for (const line of lines) {
    const match = TOKEN_LINE.exec(line.text);
    // A token pasted instead of its line is the likely mistake: it must never be stored.
    if (!match) return `line ${line.number} is not '<client> <sha256 hex>' (store the line \`hive token create\` prints, not the token)`;
    const first = hashes.get(match[2]);
    if (first !== undefined) return `line ${line.number} repeats the token of line ${first}`;
    hashes.set(match[2], line.number);
  }
  return undefined;
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
