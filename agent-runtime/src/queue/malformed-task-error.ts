/** A stream entry that can never become a task: it goes to the dead-letter stream without an LLM call. */
export class MalformedTaskError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedTaskError';
  }
}
