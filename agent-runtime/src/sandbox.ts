import { ConfigError } from './config/config-error';
import { createLogger } from './log/logger';
import { loadSandboxConfig } from './sandbox/sandbox-config';
import { SandboxServer } from './sandbox/sandbox-server';

/**
 * Entry point of the sandbox sidecar: `node agent-runtime/dist/sandbox.js`.
 * It holds no secret; the agent hands it a git token only inside a clone or
 * push request.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadSandboxConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sandbox: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  // Files the commands make stay readable and writable for the agent (the shared group), never for others.
  process.umask(0o007);
  const logger = createLogger({ base: { component: 'sandbox' }, secrets: [], level: config.logLevel });
  if (process.pid === 1) {
    // Node reaps only its own children: orphans of killed commands would stay zombies and use up the process limit.
    logger.warn('running as PID 1: start the server under an init that reaps orphans (tini)');
  }
  const server = new SandboxServer(config, logger);
  const stop = (signal: NodeJS.Signals) => {
    logger.info('shutting down', { signal });
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await server.start();
  } catch (error) {
    logger.error('start failed', { error: (error as Error).message });
    process.exit(1);
  }
  logger.info('listening', { socket: config.socketPath, workspace: config.workspaceDir, maxProcesses: config.maxProcesses });
}

void main();
