import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { taskRoot } from '../../agent-runtime/src/sandbox/task-directories';
import { AGENT_ID } from './sandbox-users';

/** One raw request line, as any client of the socket could send it; the answer, or an error after `timeoutMs`. */
export function ask(socketPath: string, request: string | Record<string, unknown>, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const line = typeof request === 'string' ? request : JSON.stringify(request);
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath, () => socket.write(`${line}\n`));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${line.slice(0, 80)} within ${timeoutMs} ms`));
    }, timeoutMs);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(answer) as Record<string, unknown>);
      } catch {
        reject(new Error(`the answer to ${line.slice(0, 80)} is not JSON: ${JSON.stringify(answer)}`));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Makes the task root as the agent does at start (mode 2730: the sandbox may enter and create, not list); answers it. */
export function makeTaskRoot(workspace: string): string {
  const root = taskRoot(workspace);
  mkdirSync(root);
  chownSync(root, AGENT_ID, AGENT_ID);
  chmodSync(root, 0o2730);
  return root;
}
