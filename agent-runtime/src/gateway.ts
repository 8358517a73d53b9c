import { redactUrl } from './config/runtime-config';
import { gatewaySecrets, loadGatewayConfig } from './gateway/gateway-config';
import { HiveGateway } from './gateway/hive-gateway';
import { configOrExit, runService } from './lifecycle/run-service';
import { createLogger } from './log/logger';

/** Entry point of the A2A gateway: `node agent-runtime/dist/gateway.js` (same image as the agents). */
async function main(): Promise<void> {
  const config = configOrExit('hive-gateway', () => loadGatewayConfig(process.env));
  const logger = createLogger({ base: { component: 'gateway', gateway: config.consumer }, secrets: gatewaySecrets(config), level: config.logLevel });
  const version = (require('../package.json') as { version: string }).version;
  const gateway = new HiveGateway(config, { logger, version });
  await runService('hive-gateway', gateway, logger, {
    redis: redactUrl(config.redisUrl),
    database: config.databaseUrl ? redactUrl(config.databaseUrl) : undefined,
    publicUrl: config.publicUrl,
  });
}

void main();
