import { TaskState } from '@a2a-js/sdk';
import type { Message } from '@a2a-js/sdk';

/** A task state as people write it: TASK_STATE_INPUT_REQUIRED is input-required. */
export function stateName(state: TaskState | undefined): string {
  const name = state === undefined ? undefined : TaskState[state];
  return name ? name.replace(/^TASK_STATE_/, '').toLowerCase().replace(/_/g, '-') : 'unknown';
}

/** The inverse of stateName, for --state; undefined for a name that is no state. */
export function stateOf(name: string): TaskState | undefined {
  const state = TaskState[`TASK_STATE_${name.toUpperCase().replace(/-/g, '_')}` as keyof typeof TaskState];
  return state === undefined || state === TaskState.UNRECOGNIZED || state === TaskState.TASK_STATE_UNSPECIFIED ? undefined : state;
}

/** A message's text parts without a file name (instructions, a turn's line, the final text), one per line. */
export function messageText(message: Message | undefined): string {
  return (message?.parts ?? [])
    .flatMap((part) => (part.content?.$case === 'text' && !part.filename ? [part.content.value] : []))
    .join('\n');
}
