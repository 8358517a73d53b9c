import { Role } from '@a2a-js/sdk';
import type { Message, Task } from '@a2a-js/sdk';
import { CliIo, printJson } from './cli-io';
import { EXIT } from './exit-codes';
import { connectGateway } from './gateway-client';
import { GatewayCommandOptions } from './gateway-connection';
import { messageText, stateName } from './task-text';

export interface LogsOptions extends GatewayCommandOptions {
  readonly id: string;
}

/** One line of a task's log; --json prints these. */
export interface LogEntry {
  /** ISO time; undefined when the message carries none (a request not sent by `hive submit`). */
  readonly at?: string;
  readonly kind: 'request' | 'turn' | 'final';
  readonly text: string;
}

/** Width of an ISO timestamp with milliseconds, so the texts line up when one is missing. */
const AT_WIDTH = 24;

/** `hive logs <id>`: the task's history (the request, each turn, the final message) as timestamped lines. */
export async function logsCommand(options: LogsOptions, io: CliIo): Promise<number> {
  const client = await connectGateway(options.connection);
  const entries = logOf(await client.getTask({ tenant: '', id: options.id }));
  if (options.json) printJson(io, entries);
  else for (const entry of entries) io.stdout.write(`${(entry.at ?? '-').padEnd(AT_WIDTH)}  ${entry.text.replace(/\n/g, `\n${' '.repeat(AT_WIDTH + 2)}`)}\n`);
  return EXIT.ok;
}

/** The gateway's history, read back: the client's message, a message per turn (with its time in the data part), the final one. */
function logOf(task: Task): LogEntry[] {
  const finalId = task.status?.message?.messageId;
  return task.history.map((message): LogEntry => {
    if (message.role === Role.ROLE_USER) return { at: stringField(message.metadata, 'receivedAt'), kind: 'request', text: `request: ${requestText(message)}` };
    if (message.messageId === finalId) return { at: task.status?.timestamp, kind: 'final', text: `${stateName(task.status?.state)}: ${messageText(message)}` };
    const data = message.parts.find((part) => part.content?.$case === 'data')?.content;
    return { at: stringField(data?.$case === 'data' ? data.value : undefined, 'at'), kind: 'turn', text: messageText(message) };
  });
}

function requestText(message: Message): string {
  const files = message.parts.filter((part) => part.filename).map((part) => part.filename);
  return messageText(message) + (files.length ? ` [files: ${files.join(', ')}]` : '');
}

function stringField(object: { [key: string]: unknown } | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' ? value : undefined;
}
