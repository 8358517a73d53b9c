import { agentCardHandler, jsonRpcHandler, restHandler } from '@a2a-js/sdk/server/express';
import express, { Express } from 'express';
import { AGENT_ROLES, AgentRole } from '../contract';
import { AGENT_CARD_PATH, rolePath } from './agent-cards';
import { ClientTokens } from './client-tokens';
import { GatewayMetrics } from './gateway-metrics';
import { HiveRequestHandler } from './hive-request-handler';
import { authenticate, ClientLimitsOptions, clientLimits, clientUser, jsonBody, notFound, requestMetrics, transport } from './request-guards';

export interface GatewayAppOptions {
  readonly handlers: Readonly<Record<AgentRole, HiveRequestHandler>>;
  readonly tokens: ClientTokens;
  readonly metrics: GatewayMetrics;
  readonly limits: ClientLimitsOptions;
  readonly maxBodyBytes: number;
}

/**
 * The gateway's HTTP routes, per role under /a2a/<role>: the public agent
 * card, then JSON-RPC at /jsonrpc and HTTP+JSON at /rest, each behind bearer
 * auth, the body limit and the client's limits.
 */
export function gatewayApp(options: GatewayAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestMetrics(options.metrics));
  const guards = [authenticate(options.tokens), ...jsonBody(options.maxBodyBytes), clientLimits(options.limits)];
  for (const role of AGENT_ROLES) {
    const requestHandler = options.handlers[role];
    const base = rolePath(role);
    app.use(`${base}/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: requestHandler }));
    app.use(`${base}/jsonrpc`, transport('jsonrpc'), ...guards, jsonRpcHandler({ requestHandler, userBuilder: clientUser }));
    app.use(`${base}/rest`, transport('rest'), ...guards, restHandler({ requestHandler, userBuilder: clientUser }));
  }
  app.use(notFound);
  return app;
}
