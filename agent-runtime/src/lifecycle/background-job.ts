import { Logger } from '../log/logger';

/**
 * Runs `job` every `ms` milliseconds, skipping a tick while the previous run
 * is still going (a slow Redis or database would otherwise pile runs up).
 * A failure is logged; the next tick runs again. Returns the timer to clear.
 */
export function everyInBackground(ms: number, job: () => Promise<void>, logger: Logger): NodeJS.Timeout {
  let running = false;
  return setInterval(() => {
    if (running) return;
    running = true;
    job()
      .catch((error) => logger.warn('background job failed', { error: (error as Error).message }))
      .finally(() => (running = false));
  }, ms);
}
