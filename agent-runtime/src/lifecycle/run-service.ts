import { ConfigError } from '../config/config-error';
import { LogFields, Logger } from '../log/logger';

/** What an entry point runs: one start, one close (the lifecycle BullMQ's Worker has). */
export interface Service {
  start(): Promise<unknown>;
  close(): Promise<void>;
}

/** The program's configuration, or exit 1 with the reason on stderr (`<program>: invalid configuration: ...`). */
export function configOrExit<T>(program: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${program}: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
}

/**
 * Starts `service` and keeps it until SIGTERM or SIGINT: the first signal closes
 * it (it drains) and exits 0, a second exits at once. A start that fails closes
 * what was opened and exits 1, with the reason in the log and on stderr.
 */
export async function runService(program: string, service: Service, logger: Logger, startFields: LogFields): Promise<void> {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn('second signal; exiting at once', { signal });
      process.exit(1);
    }
    logger.info('shutting down', { signal });
    void service.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: String(reason) }));

  logger.info('starting', startFields);
  try {
    await service.start();
  } catch (error) {
    const message = error instanceof ConfigError ? `invalid configuration: ${error.message}` : `cannot start: ${(error as Error).message}`;
    logger.error('start failed', { error: message });
    process.stderr.write(`${program}: ${message}\n`);
    await service.close();
    process.exit(1);
  }
}
