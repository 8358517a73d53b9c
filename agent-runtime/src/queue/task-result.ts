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
  /** Written files left out of `files`/`binaryFiles` because the result's file budget was spent, with their sizes. */
  readonly omitted?: ReadonlyArray<{ readonly path: string; readonly bytes: number }>;
  /** What the task's `run_command` calls used, and which limit stopped them, if any. */
  readonly commands?: CommandUsage;
  /** With a repository: `git diff --binary` of the work against the base commit (also new, deleted and binary files). */
  readonly patch?: string;
  /** The patch in base64 instead, when it holds bytes that are not UTF-8. */
  readonly patchBase64?: string;
  /** Size of the whole patch, also when it is too large to carry. */
  readonly patchBytes?: number;
  /** Set when the patch exceeded HIVE_MAX_PATCH_BYTES and was left out (never cut). */
  readonly patchOmitted?: string;
  /** The commit checked out from payload.repo: what the patch applies to. */
  readonly baseCommit?: string;
  /** With payload.push: the branch and the commit pushed. */
  readonly pushed?: { readonly branch: string; readonly commit: string };
}

export interface CommandUsage {
  /** Commands that ran. */
  readonly count: number;
  /** Seconds they ran in all. */
  readonly seconds: number;
  /** Commands refused because a limit was reached. */
  readonly refused: number;
  /** The limit that was reached: HIVE_MAX_COMMANDS or HIVE_MAX_COMMAND_SECONDS. */
  readonly exhausted?: 'maxCommands' | 'maxCommandSeconds';
}

/** Why a task failed when the model or the API, not the orchestration, decided it (a metric label). */
export const FAILURE_REASONS = ['budget', 'refusal', 'api_error', 'invalid_response', 'tool_cutoff', 'workspace', 'repository', 'stopped'] as const;
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
