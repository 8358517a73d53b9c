import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { withScripts } from '../queue/queue-scripts';
import { RedisClient } from '../queue/redis-connections';

/** Who holds a role's rollout lock, and for how much longer unless renewed. */
export interface LockHolder {
  readonly owner: string;
  readonly expiresInMs: number;
}

/**
 * One rollout per role at a time: a key with an expiry that the running
 * rollout renews every third of it. A killed rollout's lock expires, and
 * `resume` takes it then.
 */
export class RolloutLock {
  /** This process: host, pid and a random part (a pid is reused across containers). */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /** False when the lock expired or another process holds it: this one must stop deciding. */
  async renew(): Promise<boolean> {
    return (await withScripts(this.redis).hiveLockRenew(this.key, this.owner, this.ttlMs)) === 1;
  }

  async release(): Promise<void> {
    await withScripts(this.redis).hiveLockRelease(this.key, this.owner);
  }

  async holder(): Promise<LockHolder | undefined> {
    const [[, owner], [, pttl]] = (await this.redis.multi().get(this.key).pttl(this.key).exec()) as [[unknown, string | null], [unknown, number]];
    return owner === null ? undefined : { owner, expiresInMs: Math.max(0, pttl) };
  }
}
