import { execFileSync } from 'node:child_process';

const INSTALL = 'sudo apt-get install -y redis-server prometheus postgresql git openssl';

/** The path of a system tool the tests need, or an error that says how to install it. */
export function requireTool(tool: 'promtool' | 'prometheus' | 'redis-server' | 'redis-cli' | 'git' | 'openssl'): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`'${tool}' is not installed; the tests need it: ${INSTALL}`);
  }
}
