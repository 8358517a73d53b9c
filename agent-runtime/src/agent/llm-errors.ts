import { FailureReason } from '../queue/task-result';

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

/** The API refused this request for good, or answered something unusable: the task fails with this message. */
export class LlmRequestError extends Error {
  constructor(
    message: string,
    readonly reason: Extract<FailureReason, 'api_error' | 'invalid_response'>,
  ) {
    super(message);
    this.name = 'LlmRequestError';
  }
}
