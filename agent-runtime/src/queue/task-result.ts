import { TaskOutcome } from '../contract';

/** The JSON in a result entry's `output` field (../shared/DESIGN.md). */
export interface TaskOutput {
  readonly text: string;
  /** Files the agent wrote: path -> content. */
  readonly files: Readonly<Record<string, string>>;
  readonly usage: { readonly input_tokens: number; readonly output_tokens: number };
  readonly turns: number;
  readonly error?: string;
}

export interface TaskResult {
  readonly status: TaskOutcome;
  readonly output: TaskOutput;
}
