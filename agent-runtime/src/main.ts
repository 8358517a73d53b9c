import { Agent } from './agent';
import { configSecrets, loadConfig, redactUrl } from './config/runtime-config';
import { configOrExit, runService } from './lifecycle/run-service';
import { createLogger } from './log/logger';

/** Entry point of every agent container: `node agent-runtime/dist/main.js`. */
async function main(): Promise<void> {
  const processStartMs = Date.now() - process.uptime() * 1000;
  const config = configOrExit('agent-runtime', () => loadConfig(process.env));
  const logger = createLogger({ base: { role: config.role, agent: config.consumer }, secrets: configSecrets(config), level: config.logLevel });
  let agent: Agent;
  try {
    agent = new Agent(config, { logger, processStartMs });
  } catch (error) {
    // A missing prompt file, for example: a broken image, not a transient fault.
    logger.error('cannot start', { error: (error as Error).message });
    process.exit(1);
  }
  await runService('agent-runtime', agent, logger, { redis: redactUrl(config.redisUrl), model: config.anthropicModel, concurrency: config.concurrency });
}

void main();
