import { AGENT_ROLES, isAgentRole } from '../contract';
import { GatewayClientOptions } from './gateway-client';
import { usageError } from './exit-codes';

/** Where the CLI finds the gateway and its token when no option names them. */
export const CLI_ENV = { url: 'HIVE_URL', token: 'HIVE_TOKEN' } as const;

/** What --transport takes, and the SDK's name for each. */
export const TRANSPORTS = { jsonrpc: 'JSONRPC', rest: 'HTTP+JSON' } as const satisfies Record<string, GatewayClientOptions['transport']>;

/** The connection options as given on the command line (commander's strings). */
export interface ConnectionFlags {
  readonly url?: string;
  readonly token?: string;
  readonly role?: string;
  /** Commander has checked it against TRANSPORTS, and defaults it. */
  readonly transport: keyof typeof TRANSPORTS;
}

/** The flags, then the environment; a missing or malformed value is a usage error that says where to set it. */
export function connectionOptions(flags: ConnectionFlags, env: NodeJS.ProcessEnv): GatewayClientOptions {
  const url = flags.url || env[CLI_ENV.url];
  if (!url) throw usageError(`no gateway URL: pass --url or set ${CLI_ENV.url}`);
  if (!/^https?:\/\/[^/]/.test(url)) throw usageError(`the gateway URL must start with http:// or https://, got '${url}'`);
  const token = flags.token || env[CLI_ENV.token];
  if (!token) throw usageError(`no token: set ${CLI_ENV.token} (or pass --token); 'hive token create <client>' makes one`);
  const role = flags.role ?? '';
  if (!isAgentRole(role)) throw usageError(`--role must be one of ${AGENT_ROLES.join(', ')}, got '${role}'`);
  return { url, token, role, transport: TRANSPORTS[flags.transport] };
}

/** What every command that talks to the gateway takes. */
export interface GatewayCommandOptions {
  readonly connection: GatewayClientOptions;
  /** Print the A2A objects as JSON (docs/cli.md) instead of text. */
  readonly json: boolean;
}
