/** A tool asked for a path that is not inside the task's workspace. */
export class PathOutsideWorkspaceError extends Error {
  constructor(
    readonly requested: string,
    reason: string,
  ) {
    super(`Path '${requested}' is not allowed: ${reason}`);
    this.name = 'PathOutsideWorkspaceError';
  }
}
