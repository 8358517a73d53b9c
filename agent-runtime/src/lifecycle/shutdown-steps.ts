import { Logger } from '../log/logger';

/** A named step of a shutdown. */
export type ShutdownStep = readonly [name: string, step: () => unknown];

/** Runs the steps in order; one that fails is logged and the next still runs, so a shutdown always ends. */
export async function runShutdownSteps(steps: readonly ShutdownStep[], logger: Logger): Promise<void> {
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (error) {
      logger.warn(`closing ${name} failed`, { error: (error as Error).message });
    }
  }
}
