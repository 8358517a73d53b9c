import { connect } from 'node:net';
import { CloneResponse, CommandResponse, DiffResponse, PushResponse, SandboxRequest, SandboxResponse } from './sandbox-protocol';
import { SandboxUnavailableError } from './sandbox-unavailable-error';

/** Beyond a request's own timeout: the time the sandbox needs to kill, sweep and answer. */
const ANSWER_MARGIN_MS = 10_000;
const PING_TIMEOUT_MS = 2_000;

/**
 * The agent's side of the sandbox protocol: one connection per request. A
 * connection that fails or closes without an answer throws
 * SandboxUnavailableError; an answer with `ok: false` throws an Error with
 * the sandbox's message.
 */
export class SandboxClient {
  constructor(readonly socketPath: string) {}

  async ping(): Promise<void> {
    await this.request({ op: 'ping' }, PING_TIMEOUT_MS);
  }

  async prepare(task: string): Promise<void> {
    await this.request({ op: 'prepare', task }, PING_TIMEOUT_MS + ANSWER_MARGIN_MS);
  }

  async cleanup(task: string): Promise<void> {
    await this.request({ op: 'cleanup', task }, 60_000);
  }

  /** `signal`: hangs up, and the sandbox kills the command (the task was stopped). */
  run(task: string, command: string, timeoutMs: number, outputBytes: number, signal?: AbortSignal): Promise<CommandResponse> {
    return this.request({ op: 'run', task, command, timeoutMs, outputBytes }, timeoutMs + ANSWER_MARGIN_MS, signal) as Promise<CommandResponse>;
  }

  clone(task: string, url: string, ref: string, token: string | undefined, timeoutMs: number): Promise<CloneResponse> {
    return this.request({ op: 'clone', task, url, ref, timeoutMs, ...(token ? { token } : {}) }, timeoutMs + ANSWER_MARGIN_MS) as Promise<CloneResponse>;
  }

  diff(task: string, base: string, maxBytes: number, timeoutMs: number): Promise<DiffResponse> {
    return this.request({ op: 'diff', task, base, maxBytes, timeoutMs }, timeoutMs + ANSWER_MARGIN_MS) as Promise<DiffResponse>;
  }

  push(request: Omit<Extract<SandboxRequest, { op: 'push' }>, 'op'>): Promise<PushResponse> {
    return this.request({ op: 'push', ...request }, request.timeoutMs + ANSWER_MARGIN_MS) as Promise<PushResponse>;
  }

  private request(request: SandboxRequest, timeoutMs: number, signal?: AbortSignal): Promise<SandboxResponse> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      let answer = '';
      let settled = false;
      const hangUp = () => settle(() => reject(signal!.reason));
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', hangUp);
        socket.destroy();
        fn();
      };
      if (signal?.aborted) return hangUp();
      signal?.addEventListener('abort', hangUp, { once: true });
      const timer = setTimeout(() => settle(() => reject(new SandboxUnavailableError(`no answer to '${request.op}' within ${timeoutMs} ms`))), timeoutMs);
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('error', (error) => settle(() => reject(new SandboxUnavailableError(`${this.socketPath}: ${error.message}`))));
      socket.on('end', () =>
        settle(() => {
          let response: SandboxResponse;
          try {
            response = JSON.parse(answer) as SandboxResponse;
          } catch {
            reject(new SandboxUnavailableError(`'${request.op}' was answered with no JSON line`));
            return;
          }
          if (response.ok) resolve(response);
          else reject(new Error(`sandbox: ${(response as { error: string }).error}`));
        }),
      );
    });
  }
}
