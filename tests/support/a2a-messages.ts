import { Role, TaskState } from '@a2a-js/sdk';
import type { Message, Part, SendMessageRequest, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { randomUUID } from 'node:crypto';

/** A few bytes that are not UTF-8 text: a file must travel as binary. */
export const BINARY_SAMPLE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80]);

export function part(content: Part['content'], filename = '', mediaType = ''): Part {
  return { content, filename, mediaType, metadata: undefined };
}

export const instructions = (value: string): Part => part({ $case: 'text', value });

export function userMessage(parts: Part[]): Message {
  return { messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

/** A SendMessage request; `returnImmediately` unless told to block. */
export function sendRequest(parts: Part[], returnImmediately = true): SendMessageRequest {
  return { tenant: '', message: userMessage(parts), configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately }, metadata: undefined };
}

/** Polls GetTask until the task is in `state`. */
export async function waitForState(client: Client, id: string, state: TaskState, timeoutMs = 15_000): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await client.getTask({ tenant: '', id });
    if (task.status?.state === state) return task;
    if (Date.now() > deadline) throw new Error(`task ${id} is ${task.status?.state}, not ${state}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw JSON-RPC call, for what the SDK client would not send. */
export async function rawRpc(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: { error?: { code: number; message: string }; result?: unknown } }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers } });
  return { status: response.status, headers: response.headers, json: await response.json() };
}
