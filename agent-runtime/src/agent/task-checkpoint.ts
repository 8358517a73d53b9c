import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { CommandUsage, TaskOutput } from '../queue/task-result';

/**
 * Where a task stood after its last completed turn: enough to continue on
 * another agent with the next Messages API call, so no turn is paid twice.
 */
export interface TaskCheckpoint {
  readonly version: 1;
  readonly turns: number;
  readonly usage: TaskOutput['usage'];
  /** The model's latest text. */
  readonly text: string;
  /** The conversation so far, ready for the next call. */
  readonly messages: MessageParam[];
  /** Files the agent wrote so far, as they are now: path -> content (base64 in binaryFiles). */
  readonly files: Readonly<Record<string, string>>;
  readonly binaryFiles?: Readonly<Record<string, string>>;
  /** What the task's commands used so far: the command budget carries over. */
  readonly commands?: CommandUsage;
}

/** A stored checkpoint, or undefined when it is unreadable (the task then starts over rather than failing). */
export function parseCheckpoint(raw: string | undefined): TaskCheckpoint | undefined {
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as TaskCheckpoint;
    const ok = value?.version === 1 && Number.isInteger(value.turns) && Array.isArray(value.messages) && typeof value.files === 'object' && value.files !== null;
    return ok ? value : undefined;
  } catch {
    return undefined;
  }
}
