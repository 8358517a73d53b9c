import { TaskState } from '@a2a-js/sdk';
import type { Message } from '@a2a-js/sdk';

/** A task state as people write it: TASK_STATE_INPUT_REQUIRED is input-required. */
export function stateName(state: TaskState | undefined): string {
  const name = state === undefined ? undefined : TaskState[state];
  return name ? name.replace(/^TASK_STATE_/, '').toLowerCase().replace(/_/g, '-') : 'unknown';
}

/** Every state a task can be in, by its stateName: what --state takes. */
export const TASK_STATES: ReadonlyMap<string, TaskState> = new Map(
  Object.values(TaskState)
    .filter((state): state is TaskState => typeof state === 'number' && state > TaskState.TASK_STATE_UNSPECIFIED)
    .map((state) => [stateName(state), state]),
);

/** A message's text parts without a file name (instructions, a turn's line, the final text), one per line. */
export function messageText(message: Message | undefined): string {
  return (message?.parts ?? [])
    .flatMap((part) => (part.content?.$case === 'text' && !part.filename ? [part.content.value] : []))
    .join('\n');
}
