import { RedisClient } from './redis-connections';

/** Creates `group` on `stream` (and the stream) reading from its start; an existing group is left as it is. */
export async function createGroup(client: RedisClient, stream: string, group: string): Promise<void> {
  try {
    await client.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (error) {
    if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
  }
}

/** Whether a command failed because the group is gone (a Redis restarted without its data): create it again. */
export function isNoGroup(error: unknown): boolean {
  return String((error as Error).message).includes('NOGROUP');
}
