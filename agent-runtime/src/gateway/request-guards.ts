import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { AGENT_ROLES, HiveKeys, isAgentRole } from '../contract';
import { Logger } from '../log/logger';
import { RedisClient } from '../queue/redis-connections';
import { ClientTokens } from './client-tokens';
import { ClientUser } from './client-user';
import { GatewayMetrics } from './gateway-metrics';

/** Refusals the gateway gives before a request reaches the A2A handler, in both transports' shapes. */
const REFUSALS = {
  400: { rpc: -32700, status: 'INVALID_ARGUMENT' },
  401: { rpc: -32010, status: 'UNAUTHENTICATED' },
  404: { rpc: -32601, status: 'NOT_FOUND' },
  413: { rpc: -32013, status: 'INVALID_ARGUMENT' },
  429: { rpc: -32029, status: 'RESOURCE_EXHAUSTED' },
  500: { rpc: -32603, status: 'INTERNAL' },
} as const;
type RefusalStatus = keyof typeof REFUSALS;

/** A2A methods that create a task, and so count against a client's in-flight limit. */
const SENDS = new Set(['SendMessage', 'SendMessageBlocking', 'SendStreamingMessage']);

/** The JSON-RPC error codes the SDK answers with HTTP 200, as the status they stand for (for the request metric). */
const RPC_ERROR_STATUS: Record<number, string> = { [-32603]: '500', [-32001]: '404', [-32002]: '409', [-32700]: '400', [-32600]: '400', [-32601]: '400', [-32602]: '400', [-32009]: '400' };

export function refuse(req: Request, res: Response, status: RefusalStatus, message: string, headers: Record<string, string> = {}): void {
  const { rpc, status: name } = REFUSALS[status];
  res.status(status).set(headers);
  if (isJsonRpc(req)) res.json({ jsonrpc: '2.0', id: req.body?.id ?? null, error: { code: rpc, message } });
  else res.json({ error: { code: status, status: name, message, details: [] } });
}

/** Set on each transport's routes: the URL (case, trailing slashes) is not a reliable guide. */
export type Transport = 'jsonrpc' | 'rest';

function isJsonRpc(req: Request): boolean {
  return (req.res?.locals.transport ?? (/\/jsonrpc\/*$/i.test(req.originalUrl.split('?')[0]) ? 'jsonrpc' : 'rest')) === 'jsonrpc';
}

/** Marks the requests of one transport's routes. */
export function transport(name: Transport): RequestHandler {
  return (_req, res, next) => {
    res.locals.transport = name;
    next();
  };
}

/** JSON-RPC method names of A2A 1.0: anything else is counted as `other`, so clients cannot make up label values. */
const A2A_METHODS = new Set([
  'SendMessage',
  'SendStreamingMessage',
  'GetTask',
  'ListTasks',
  'CancelTask',
  'SubscribeToTask',
  'CreateTaskPushNotificationConfig',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig',
  'GetExtendedAgentCard',
]);

/** The A2A method of a request, for metrics and limits; a SendMessage that waits for its task is SendMessageBlocking. */
export function a2aMethod(req: Request): string {
  if (req.baseUrl.endsWith('agent-card.json')) return 'GetAgentCard';
  // A JSON-RPC request refused before its body was read (no token) has no known method.
  if (isJsonRpc(req)) {
    if (req.body === undefined) return 'unparsed';
    const method = A2A_METHODS.has(req.body?.method) ? (req.body.method as string) : 'other';
    return method === 'SendMessage' && !req.body.params?.configuration?.returnImmediately ? 'SendMessageBlocking' : method;
  }
  // Express matches routes case-insensitively and with a trailing slash: so must this.
  const path = req.path.toLowerCase().replace(/\/+$/, '');
  if (path.endsWith('/message:send')) return req.body?.configuration?.returnImmediately ? 'SendMessage' : 'SendMessageBlocking';
  if (path.endsWith('/message:stream')) return 'SendStreamingMessage';
  if (path.endsWith(':cancel')) return 'CancelTask';
  if (path.endsWith(':subscribe')) return 'SubscribeToTask';
  if (/\/tasks\/[^/]+$/.test(path)) return 'GetTask';
  if (path.endsWith('/tasks')) return 'ListTasks';
  return 'other';
}

/** Counts and times every request by method and status; JSON-RPC errors count as the status they stand for. */
export function requestMetrics(metrics: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const started = Date.now();
    let rpcStatus: string | undefined;
    const json = res.json.bind(res);
    res.json = (body: { error?: { code?: number } }) => {
      if (typeof body?.error?.code === 'number' && res.statusCode === 200) rpcStatus = RPC_ERROR_STATUS[body.error.code] ?? '400';
      return json(body);
    };
    res.on('close', () => {
      const method = a2aMethod(req);
      metrics.requests.inc({ method, code: rpcStatus ?? String(res.statusCode) });
      metrics.requestDuration.observe({ method }, (Date.now() - started) / 1000);
    });
    next();
  };
}

/** Bearer tokens: the client's name goes to the A2A handler as its user. */
export function authenticate(tokens: ClientTokens): RequestHandler {
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '');
    if (!match) return refuse(req, res.set('WWW-Authenticate', 'Bearer'), 401, 'missing bearer token: send Authorization: Bearer <token>');
    const client = tokens.clientOf(match[1]);
    if (!client) return refuse(req, res.set('WWW-Authenticate', 'Bearer error="invalid_token"'), 401, 'invalid bearer token');
    res.locals.client = client;
    next();
  };
}

/** The SDK's user builder: the client authenticate() found. */
export const clientUser = async (req: Request): Promise<ClientUser> => {
  const gone = new AbortController();
  req.res!.once('close', () => gone.abort());
  return new ClientUser(req.res!.locals.client as string, gone.signal);
};

/** Parses JSON bodies up to the gateway's limit (the SDK's own parser would stop at 100 KB); too large is 413, malformed 400. */
export function jsonBody(maxBytes: number): RequestHandler[] {
  const parse = express.json({ limit: maxBytes, type: ['application/json', 'application/a2a+json'] });
  const onError = (error: { type?: string; message: string }, req: Request, res: Response, next: NextFunction) => {
    if (error.type === 'entity.too.large') return refuse(req, res, 413, `request body is larger than ${maxBytes} bytes`);
    if (error.type === 'entity.parse.failed') return refuse(req, res, 400, `request body is not JSON: ${error.message}`);
    next(error);
  };
  return [parse, onError as unknown as RequestHandler];
}

export interface ClientLimitsOptions {
  readonly redis: RedisClient;
  readonly keys: HiveKeys;
  /** Requests per second per client. */
  readonly rateLimit: number;
  /** Unfinished tasks per client. */
  readonly maxInFlight: number;
  readonly logger: Logger;
}

/** Redis answers the limits in a millisecond; past this it is away, and the request goes on without them. */
const LIMITS_TIMEOUT_MS = 1_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Per-client limits shared by all gateway replicas through Redis: a request
 * rate (a counter per one-second window) and, for new tasks, the number in
 * flight (approximate: sends that arrive together may pass it together). Both
 * answer 429 with Retry-After. Should Redis not answer within a second, the
 * request goes on without them: it then fails on its own if it needs Redis.
 */
export function clientLimits(options: ClientLimitsOptions): RequestHandler {
  return async (req, res, next) => {
    const client = res.locals.client as string;
    try {
      const key = options.keys.rate(client, Math.floor(Date.now() / 1000));
      // One round trip for both checks: it is on the path of every task.
      const replies = (await withTimeout(options.redis.multi().incr(key).expire(key, 2).scard(options.keys.inFlight(client)).exec(), LIMITS_TIMEOUT_MS)) as Array<
        [Error | null, number]
      >;
      const [count, inFlight] = [replies[0][1], replies[2][1]];
      if (count > options.rateLimit) return refuse(req, res, 429, `rate limit: more than ${options.rateLimit} requests per second`, { 'Retry-After': '1' });
      if (SENDS.has(a2aMethod(req)) && inFlight >= options.maxInFlight) {
        return refuse(req, res, 429, `${inFlight} tasks in flight, the limit is ${options.maxInFlight}: wait for some to finish`, { 'Retry-After': '5' });
      }
    } catch (error) {
      options.logger.warn('client limits not checked', { error: (error as Error).message });
    }
    next();
  };
}

/** Anything no route took: an unknown role is named as such. */
export const notFound: RequestHandler = (req, res) => {
  const role = /^\/a2a\/([^/?]+)/.exec(req.originalUrl)?.[1];
  if (role !== undefined && !isAgentRole(role)) return refuse(req, res, 404, `unknown role '${role}': the roles are ${AGENT_ROLES.join(', ')}`);
  refuse(req, res, 404, `no route ${req.method} ${req.originalUrl.split('?')[0]}: the A2A endpoints are /a2a/<role>/jsonrpc and /a2a/<role>/rest`);
};
