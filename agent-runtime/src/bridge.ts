import { BridgeConfig, loadBridgeConfig } from './bridge/bridge-config';
import { LegacyBridge } from './bridge/legacy-bridge';
import { ConfigError } from './config/config-error';
import { redactUrl } from './config/env-values';
import { createLogger } from './log/logger';

/** Entry point of the bridge from the old system's queue: `node agent-runtime/dist/bridge.js` (same image as the agents). */
async function main(): Promise<void> {
  let config: BridgeConfig;
  try {
    config = loadBridgeConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`hive-bridge: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ base: { component: 'bridge', role: config.role, bridge: config.consumer }, secrets: [config.redisPassword ?? ''], level: config.logLevel });
  const bridge = new LegacyBridge(config, logger);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(1);
    logger.info('shutting down', { signal });
    void bridge.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: String(reason) }));

  logger.info('starting', { redis: redactUrl(config.redisUrl), source: config.source, legacyList: config.legacyList });
  try {
    await bridge.start();
  } catch (error) {
    logger.error('start failed', { error: (error as Error).message });
    process.stderr.write(`hive-bridge: cannot start: ${(error as Error).message}\n`);
    await bridge.close();
    process.exit(1);
  }
}

void main();
