import type { ServerCallContext, User } from '@a2a-js/sdk/server';

/** The authenticated client of a request; the task history is scoped by its name. */
export class ClientUser implements User {
  constructor(readonly userName: string) {}

  get isAuthenticated(): boolean {
    return true;
  }
}

export function clientOf(context: ServerCallContext): string {
  const user = context.user;
  // The auth middleware runs before every A2A route, so this is a wiring fault, not a client's.
  if (!user?.isAuthenticated) throw new Error('request reached the A2A handler without an authenticated client');
  return user.userName;
}
