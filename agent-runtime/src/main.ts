import { Agent } from './agent';
import { ConfigError } from './config/config-error';
import { configSecrets, loadConfig, redactUrl } from './config/runtime-config';
import { createLogger } from './log/logger';

/** Entry point of every agent container: `node agent-runtime/dist/main.js`. */
async function main(): Promise<void> {
  const processStartMs = Date.now() - process.uptime() * 1000;
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`agent-runtime: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ base: { role: config.role, agent: config.consumer }, secrets: configSecrets(config), level: config.logLevel });
  let agent: Agent;
  try {
    agent = new Agent(config, { logger, processStartMs });
  } catch (error) {
    // A missing prompt file, for example: a broken image, not a transient fault.
    logger.error('cannot start', { error: (error as Error).message });
    process.exit(1);
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn('second signal; exiting at once', { signal });
      process.exit(1);
    }
    logger.info('shutting down', { signal });
    void agent.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: String(reason) }));

  logger.info('starting', { redis: redactUrl(config.redisUrl), model: config.anthropicModel, concurrency: config.concurrency });
  try {
    await agent.start();
  } catch (error) {
    logger.error('start failed', { error: (error as Error).message });
    process.stderr.write(`agent-runtime: cannot start: ${(error as Error).message}\n`);
    await agent.close();
    process.exit(1);
  }
}

void main();
