import { execFileSync } from 'node:child_process';

/** The uids and gids of the pod: the agent container, and the sandbox with the agent's group as a supplementary group. */
export const AGENT_ID = 10001;
export const SANDBOX_ID = 10002;

/**
 * Makes the two users the pod runs as, if they are missing, so the agent and
 * the sandbox run as two processes under different uids, as in the cluster.
 * Needs root (the tests run as root here and in CI).
 */
export function ensureSandboxUsers(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`the sandbox tests start the agent as uid ${AGENT_ID} and the sandbox as uid ${SANDBOX_ID}; run them as root (as CI does)`);
  }
  ensure('group', AGENT_ID, () => execFileSync('groupadd', ['-g', String(AGENT_ID), 'hive-agent']));
  ensure('passwd', AGENT_ID, () => execFileSync('useradd', ['-u', String(AGENT_ID), '-g', String(AGENT_ID), '-M', '-N', '-s', '/usr/sbin/nologin', 'hive-agent']));
  ensure('group', SANDBOX_ID, () => execFileSync('groupadd', ['-g', String(SANDBOX_ID), 'hive-sandbox']));
  ensure('passwd', SANDBOX_ID, () =>
    execFileSync('useradd', ['-u', String(SANDBOX_ID), '-g', String(SANDBOX_ID), '-G', String(AGENT_ID), '-M', '-N', '-s', '/usr/sbin/nologin', 'hive-sandbox']),
  );
}

function ensure(database: 'group' | 'passwd', id: number, create: () => void): void {
  if (exists(database, id)) return;
  try {
    create();
  } catch (error) {
    // Another test file may have made it meanwhile.
    if (!exists(database, id)) throw new Error(`cannot create ${database} entry ${id}: ${(error as Error).message}`);
  }
}

function exists(database: string, id: number): boolean {
  try {
    execFileSync('getent', [database, String(id)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
