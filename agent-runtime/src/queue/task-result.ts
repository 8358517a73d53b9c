import { TaskOutcome } from '../contract';

/** The JSON in a result entry's `output` field (see the README's result contract). */
export interface TaskOutput {
  readonly text: string;
  /** Text files the agent wrote: path -> content. */
  readonly files: Readonly<Record<string, string>>;
  /** Files the agent wrote that are not UTF-8 text: path -> base64 content. */
  readonly binaryFiles?: Readonly<Record<string, string>>;
  readonly usage: { readonly input_tokens: number; readonly output_tokens: number };
  readonly turns: number;
  readonly error?: string;
}

/** Why a task failed when the model or the API, not the orchestration, decided it (a metric label). */
export const FAILURE_REASONS = ['budget', 'refusal', 'api_error', 'invalid_response', 'tool_cutoff', 'workspace', 'stopped'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface TaskResult {
  readonly status: TaskOutcome;
  readonly output: TaskOutput;
  /** For failed tasks; not published, only counted. */
  readonly reason?: FailureReason;
}

export const EMPTY_USAGE = { input_tokens: 0, output_tokens: 0 } as const;

/** A result for a task that ended before or without any model turn. */
export function resultWithoutTurns(status: TaskOutcome, error: string, reason?: FailureReason): TaskResult {
  return { status, reason, output: { text: '', files: {}, usage: { ...EMPTY_USAGE }, turns: 0, error } };
}
