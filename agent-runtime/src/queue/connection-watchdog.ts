import { sleep } from '../agent/abortable-sleep';
import { RedisClient } from './redis-connections';

export interface ConnectionWatchdogOptions {
  /** How often the command connection is pinged. @default 3000 */
  readonly everyMs?: number;
  /** How long a PING may take before the connection counts as dead. @default 2000 */
  readonly timeoutMs?: number;
}

/**
 * A connection can die without the socket noticing (no RST: a failed node, a
 * dropped NAT entry). Commands would then wait forever; a PING that gets no
 * answer in time marks Redis as not answering (the agent turns unready) and
 * drops the connection, so ioredis reconnects it.
 */
export class ConnectionWatchdog {
  private timer?: NodeJS.Timeout;
  private running = false;
  answering = true;

  constructor(
    private readonly connection: RedisClient,
    private readonly onChange: (answering: boolean, timeoutMs: number) => void,
    private readonly options: ConnectionWatchdogOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.everyMs ?? 3_000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.running || this.connection.status !== 'ready') return;
    this.running = true;
    try {
      const timeoutMs = this.options.timeoutMs ?? 2_000;
      const answered = await Promise.race([this.connection.ping().then(() => true, () => false), sleep(timeoutMs).then(() => false)]);
      if (answered !== this.answering) {
        this.answering = answered;
        this.onChange(answered, timeoutMs);
      }
      if (!answered) this.connection.disconnect(true);
    } finally {
      this.running = false;
    }
  }
}
