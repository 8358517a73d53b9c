import { Role, TaskState } from '@a2a-js/sdk';
import type { Artifact, Message, Part, Task, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { randomUUID } from 'node:crypto';
import { AgentRole, TaskOutcome } from '../contract';
import { TaskOutput } from '../queue/task-result';
import type { CommandReport } from '../tools/command-session';

/** What an agent publishes after each turn (runtime: TaskProcessor.afterTurn). */
export interface TurnEvent {
  readonly turn: number;
  readonly toolCalls: readonly string[];
  readonly usage: TaskOutput['usage'];
  readonly text?: string;
  readonly at: string;
  /** The commands the turn ran in the sandbox. */
  readonly commands?: readonly CommandReport[];
}

/** What the gateway keeps of a task beside the A2A fields (Task.metadata). */
export interface HiveTaskMetadata {
  readonly role: AgentRole;
  readonly client: string;
  readonly title?: string;
  /** The track the task was routed to; absent: the stable track. */
  readonly track?: string;
  /** Set once a cancel was asked for. */
  readonly cancelRequested?: boolean;
  readonly usage?: TaskOutput['usage'];
  readonly turns?: number;
  readonly outcome?: TaskOutcome;
  readonly error?: string;
}

const STATE_OF_OUTCOME: Record<TaskOutcome, TaskState> = {
  succeeded: TaskState.TASK_STATE_COMPLETED,
  failed: TaskState.TASK_STATE_FAILED,
  dead_lettered: TaskState.TASK_STATE_FAILED,
  canceled: TaskState.TASK_STATE_CANCELED,
};

/** States a task does not leave. */
export const TERMINAL_STATES: readonly TaskState[] = [TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED];

export function isTerminal(task: Task): boolean {
  return task.status !== undefined && TERMINAL_STATES.includes(task.status.state);
}

export function metadataOf(task: Task): HiveTaskMetadata {
  return task.metadata as HiveTaskMetadata;
}

export function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: '' };
}

function agentMessage(task: Pick<Task, 'id' | 'contextId'>, parts: Part[]): Message {
  return { messageId: randomUUID(), contextId: task.contextId, taskId: task.id, role: Role.ROLE_AGENT, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

/** A new task as the gateway accepts it: submitted, with the client's message (stamped `receivedAt`) as its history. */
export function submittedTask(id: string, contextId: string, message: Message, metadata: HiveTaskMetadata): Task {
  const receivedAt = new Date().toISOString();
  return {
    id,
    contextId,
    status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: receivedAt },
    artifacts: [],
    history: [{ ...message, taskId: id, contextId, metadata: { ...message.metadata, receivedAt } }],
    metadata: { ...metadata },
  };
}

/** A turn as a status message: a line for people, the figures as data for programs. */
export function turnMessage(task: Pick<Task, 'id' | 'contextId'>, event: TurnEvent): Message {
  const tokens = event.usage.input_tokens + event.usage.output_tokens;
  const tools = event.toolCalls.length ? event.toolCalls.join(', ') : 'no tool calls';
  const commands = (event.commands ?? []).map((c) => `; \`${c.command}\` ${c.outcome}${c.exitCode === undefined || c.exitCode === null ? '' : ` (exit ${c.exitCode})`}`).join('');
  const value = { turn: event.turn, toolCalls: event.toolCalls, usage: event.usage, at: event.at, ...(event.commands ? { commands: event.commands } : {}) };
  const data: Part = { content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' };
  return agentMessage(task, [textPart(`turn ${event.turn}: ${tools}; ${tokens} tokens${commands}`), data]);
}

/** The task while an agent works on it: its latest turn is the status. */
export function workingStatus(task: Pick<Task, 'id' | 'contextId'>, event: TurnEvent): TaskStatusUpdateEvent {
  return {
    taskId: task.id,
    contextId: task.contextId,
    status: { state: TaskState.TASK_STATE_WORKING, message: turnMessage(task, event), timestamp: event.at },
    metadata: { turn: event.turn, toolCalls: event.toolCalls, usage: event.usage },
  };
}

/** The name of the artifact that carries a repository task's patch. */
export const PATCH_ARTIFACT = 'changes.patch';

/** Each file the agent wrote is an artifact named by its path; a repository task's patch is `changes.patch`. */
export function fileArtifacts(output: TaskOutput): Artifact[] {
  const artifact = (path: string, part: Part): Artifact => ({ artifactId: path, name: path, description: '', parts: [part], metadata: undefined, extensions: [] });
  const patch =
    output.patch !== undefined
      ? { $case: 'text' as const, value: output.patch }
      : output.patchBase64 !== undefined
        ? { $case: 'raw' as const, value: Buffer.from(output.patchBase64, 'base64') }
        : undefined;
  return [
    ...(patch ? [artifact(PATCH_ARTIFACT, { content: patch, metadata: undefined, filename: PATCH_ARTIFACT, mediaType: 'text/x-diff' })] : []),
    ...Object.entries(output.files).map(([path, text]) => artifact(path, { content: { $case: 'text', value: text }, metadata: undefined, filename: path, mediaType: 'text/plain' })),
    ...Object.entries(output.binaryFiles ?? {}).map(([path, base64]) =>
      artifact(path, { content: { $case: 'raw', value: Buffer.from(base64, 'base64') }, metadata: undefined, filename: path, mediaType: 'application/octet-stream' }),
    ),
  ];
}

/**
 * The finished task: the agent's files as artifacts, its last text as the
 * final status message (with the error, when it failed), every turn in the
 * history after the client's message.
 */
export function finishedTask(submitted: Task, outcome: TaskOutcome, output: TaskOutput, turns: readonly TurnEvent[], at = new Date().toISOString()): Task {
  const parts = [output.text, output.error ? `error: ${output.error}` : ''].filter(Boolean).map(textPart);
  const final = agentMessage(submitted, parts.length ? parts : [textPart(outcome)]);
  const metadata: HiveTaskMetadata = { ...metadataOf(submitted), usage: output.usage, turns: output.turns, outcome, ...(output.error ? { error: output.error } : {}) };
  return {
    ...submitted,
    status: { state: STATE_OF_OUTCOME[outcome], message: final, timestamp: at },
    artifacts: fileArtifacts(output),
    history: [...submitted.history.filter((m) => m.role === Role.ROLE_USER), ...turns.map((t) => turnMessage(submitted, t)), final],
    metadata: { ...metadata },
  };
}

/** The task with what the agents reported since it was stored (turns, no result yet). */
export function withProgress(stored: Task, turns: readonly TurnEvent[]): Task {
  const last = turns.at(-1);
  if (!last) return stored;
  return {
    ...stored,
    status: workingStatus(stored, last).status,
    history: [...stored.history.filter((m) => m.role === Role.ROLE_USER), ...turns.map((t) => turnMessage(stored, t))],
  };
}
