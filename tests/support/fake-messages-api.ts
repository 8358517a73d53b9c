import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the local server answers to one Messages API call. */
export interface ScriptedReply {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  /** Wait before answering, to keep a task in flight. */
  readonly delayMs?: number;
}

/** A request the agent sent, as JSON. */
export interface RecordedRequest {
  readonly body: { model: string; system?: string; messages: Array<{ role: string; content: unknown }>; tools?: Array<{ name: string }>; max_tokens: number };
  readonly headers: IncomingMessage['headers'];
}

export type Script = (request: RecordedRequest, call: number) => ScriptedReply;

let nextId = 0;

/** A Messages API response with the given content blocks. */
export function message(content: unknown[], stopReason: string, usage = { input_tokens: 10, output_tokens: 5 }): ScriptedReply {
  return {
    body: { id: `msg_${++nextId}`, type: 'message', role: 'assistant', model: 'claude-test', content, stop_reason: stopReason, stop_sequence: null, usage },
  };
}

export const text = (value: string) => message([{ type: 'text', text: value }], 'end_turn');

export function toolUse(name: string, input: Record<string, unknown>, id = `toolu_${++nextId}`): ScriptedReply {
  return message([{ type: 'tool_use', id, name, input }], 'tool_use');
}

export function apiError(status: number, type: string, text: string, requestId = `req_${++nextId}`): ScriptedReply {
  return { status, body: { type: 'error', error: { type, message: text } }, headers: { 'request-id': requestId, 'retry-after': '0' } };
}

/**
 * Which model turn a request asks for (1 for the first), from the conversation
 * itself: a request the SDK retries asks for the same turn again, where a call
 * counter would move on.
 */
export function turnOf(request: RecordedRequest): number {
  return request.body.messages.filter((m) => m.role === 'assistant').length + 1;
}

/** The tool results the agent sent back in its latest message. */
export function toolResults(request: RecordedRequest): Array<{ content: string; is_error?: boolean }> {
  const last = request.body.messages[request.body.messages.length - 1];
  return Array.isArray(last.content) ? (last.content as Array<{ type: string; content: string; is_error?: boolean }>).filter((b) => b.type === 'tool_result') : [];
}

/**
 * A local HTTP server that speaks the Messages API (POST /v1/messages),
 * answering from a script. It stands in for the Anthropic API, which these
 * machines cannot reach; the agent reaches it through ANTHROPIC_BASE_URL.
 */
export class FakeMessagesApi {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;

  constructor(public script: Script) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
          res.writeHead(404).end();
          return;
        }
        const request = { body: JSON.parse(raw), headers: req.headers } as RecordedRequest;
        this.requests.push(request);
        const reply = this.script(request, this.requests.length);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
          res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
