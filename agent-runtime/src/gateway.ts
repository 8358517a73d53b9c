import { ConfigError } from './config/config-error';
import { redactUrl } from './config/runtime-config';
import { gatewaySecrets, loadGatewayConfig } from './gateway/gateway-config';
import { HiveGateway } from './gateway/hive-gateway';
import { createLogger } from './log/logger';

/** Entry point of the A2A gateway: `node agent-runtime/dist/gateway.js` (same image as the agents). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadGatewayConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`hive-gateway: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ base: { component: 'gateway', gateway: config.consumer }, secrets: gatewaySecrets(config), level: config.logLevel });
  const version = (require('../package.json') as { version: string }).version;
  const gateway = new HiveGateway(config, { logger, version });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(1);
    logger.info('shutting down', { signal });
    void gateway.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: String(reason) }));

  logger.info('starting', { redis: redactUrl(config.redisUrl), database: config.databaseUrl ? redactUrl(config.databaseUrl) : undefined, publicUrl: config.publicUrl });
  try {
    await gateway.start();
  } catch (error) {
    const message = error instanceof ConfigError ? `invalid configuration: ${error.message}` : `cannot start: ${(error as Error).message}`;
    logger.error('start failed', { error: message });
    process.stderr.write(`hive-gateway: ${message}\n`);
    await gateway.close();
    process.exit(1);
  }
}

void main();
