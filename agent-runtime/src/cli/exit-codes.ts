/**
 * The `hive` CLI's exit codes (docs/cli.md). A task's outcome takes the low
 * codes so scripts can branch on it; the CLI's own failures take the BSD
 * sysexits codes, so a failed task never reads like a bad command line.
 */
export const EXIT = {
  ok: 0,
  /** submit: the task failed (or was rejected). */
  taskFailed: 1,
  /** submit: the task was canceled. */
  taskCanceled: 2,
  /** rollout start/resume: a gate failed or `rollout rollback` ran; the new track is back at 0 %. */
  rolledBack: 3,
  /** Bad arguments or options, a missing URL or token, an unreadable input file. */
  usage: 64,
  /** The gateway refused the request (unknown task, task already ended, invalid message), or sent an artifact name outside --out; a rollout refused (pre-validation, weights, state). */
  refused: 65,
  /** The gateway (or Redis, or Prometheus) cannot be reached, or the connection ended before the task did. */
  unavailable: 69,
  /** Anything unforeseen. */
  internal: 70,
  /** The client's rate or in-flight limit, or another rollout of the role holds its lock: try again later. */
  tryLater: 75,
  /** The gateway did not accept the token. */
  unauthorized: 77,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports as one line on stderr, and the code it exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}
