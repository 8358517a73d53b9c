/**
 * The Messages API stayed unavailable after the SDK's retries (429, 5xx,
 * connection): the task is released for a later delivery, not failed.
 */
export class LlmUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmUnavailableError';
  }
}
