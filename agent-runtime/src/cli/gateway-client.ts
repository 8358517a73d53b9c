import { A2A_VERSION_HEADER } from '@a2a-js/sdk';
import { Client, ClientFactory, JsonRpcTransportFactory, RestTransportFactory } from '@a2a-js/sdk/client';
import { AgentRole } from '../contract';

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. https://hive.example.com (HIVE_URL). */
  readonly url: string;
  /** A bearer token from `hive token create` (HIVE_TOKEN). */
  readonly token: string;
  readonly role: AgentRole;
  /** @default 'JSONRPC' */
  readonly transport?: 'JSONRPC' | 'HTTP+JSON';
}

/**
 * An A2A client of one role, through the SDK: it reads the role's agent card
 * and talks over the transport it names, sending the bearer token and the
 * A2A version on every request.
 */
export function connectGateway(options: GatewayClientOptions): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', `Bearer ${options.token}`);
    headers.set(A2A_VERSION_HEADER, '1.0');
    return fetch(input, { ...init, headers });
  };
  const factory = new ClientFactory({
    transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
    preferredTransports: [options.transport ?? 'JSONRPC'],
  });
  // Relative to the role's base, which the SDK's default card path (absolute) would leave.
  return factory.createFromUrl(`${options.url.replace(/\/+$/, '')}/a2a/${options.role}/`, '.well-known/agent-card.json');
}
