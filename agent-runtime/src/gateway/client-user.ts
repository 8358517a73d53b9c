import type { ServerCallContext, User } from '@a2a-js/sdk/server';

/** The authenticated client of a request; the task history is scoped by its name. */
export class ClientUser implements User {
  /**
   * @param gone aborts when the request's connection closes: streams and
   *   waits for the task end then, instead of living until the task does.
   */
  constructor(
    readonly userName: string,
    readonly gone: AbortSignal = new AbortController().signal,
  ) {}

  get isAuthenticated(): boolean {
    return true;
  }
}

export function clientOf(context: ServerCallContext): string {
  return callerOf(context).userName;
}

export function callerOf(context: ServerCallContext): ClientUser {
  const user = context.user;
  // The auth middleware runs before every A2A route, so this is a wiring fault, not a client's.
  if (!(user instanceof ClientUser)) throw new Error('request reached the A2A handler without an authenticated client');
  return user;
}
