import { configOrExit, runService } from './lifecycle/run-service';
import { createLogger } from './log/logger';
import { loadSandboxConfig } from './sandbox/sandbox-config';
import { SandboxServer } from './sandbox/sandbox-server';

/**
 * Entry point of the sandbox sidecar: `node agent-runtime/dist/sandbox.js`.
 * It holds no secret; the agent hands it a git token only inside a clone or
 * push request.
 */
async function main(): Promise<void> {
  const config = configOrExit('sandbox', () => loadSandboxConfig(process.env));
  // Files the commands make stay readable and writable for the agent (the shared group), never for others.
  process.umask(0o007);
  const logger = createLogger({ base: { component: 'sandbox' }, secrets: [], level: config.logLevel });
  if (process.pid === 1) {
    // Node reaps only its own children: orphans of killed commands would stay zombies and use up the process limit.
    logger.warn('running as PID 1: start the server under an init that reaps orphans (tini)');
  }
  await runService('sandbox', new SandboxServer(config, logger), logger, { socket: config.socketPath, workspace: config.workspaceDir, maxProcesses: config.maxProcesses });
  logger.info('listening', { socket: config.socketPath });
}

void main();
