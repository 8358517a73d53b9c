/**
 * The task's directory is no longer the one the agent made: a command
 * renamed it and put a symlink or another file in its place. The task fails;
 * nothing is read, written or removed through what took its place.
 */
export class WorkspaceReplacedError extends Error {
  constructor(reason: string) {
    super(`the task's directory was replaced (${reason}): a command moved it; the task is stopped`);
    this.name = 'WorkspaceReplacedError';
  }
}
