/** Another agent took the task over (or finished it): this agent stops its run and publishes nothing. */
export class TaskLostError extends Error {
  constructor(readonly entryId: string) {
    super(`entry ${entryId} is no longer this agent's`);
    this.name = 'TaskLostError';
  }
}
