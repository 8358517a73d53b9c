import { loadBridgeConfig } from './bridge/bridge-config';
import { LegacyBridge } from './bridge/legacy-bridge';
import { redactUrl } from './config/env-values';
import { configOrExit, runService } from './lifecycle/run-service';
import { createLogger } from './log/logger';

/** Entry point of the bridge from the old system's queue: `node agent-runtime/dist/bridge.js` (same image as the agents). */
async function main(): Promise<void> {
  const config = configOrExit('hive-bridge', () => loadBridgeConfig(process.env));
  const logger = createLogger({ base: { component: 'bridge', role: config.role, bridge: config.consumer }, secrets: [config.redisPassword ?? ''], level: config.logLevel });
  await runService('hive-bridge', new LegacyBridge(config, logger), logger, { redis: redactUrl(config.redisUrl), source: config.source, legacyList: config.legacyList });
}

void main();
