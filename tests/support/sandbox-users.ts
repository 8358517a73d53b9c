import { execFileSync } from 'node:child_process';

/** The uids and gids of the pod: the agent container, and the sandbox with the agent's group as a supplementary group. */
export const AGENT_ID = 10001;
/**
 * The sandbox's uid: the pod's 10002 in the first test worker, 20002 in the second.
 * The process cap (RLIMIT_NPROC) counts every process of a uid on the machine, so two
 * test files' sandboxes of one uid would share it: a fork bomb in one would make the
 * other's commands fail to fork (as pods of one node do; README: what remains).
 */
const WORKER = Number(process.env.VITEST_POOL_ID ?? 1);
export const SANDBOX_ID = WORKER === 1 ? 10002 : WORKER * 10000 + 2;

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
  const name = SANDBOX_ID === 10002 ? 'hive-sandbox' : `hive-sandbox-${SANDBOX_ID}`;
  ensure('group', SANDBOX_ID, () => execFileSync('groupadd', ['-g', String(SANDBOX_ID), name]));
  ensure('passwd', SANDBOX_ID, () =>
    execFileSync('useradd', ['-u', String(SANDBOX_ID), '-g', String(SANDBOX_ID), '-G', String(AGENT_ID), '-M', '-N', '-s', '/usr/sbin/nologin', name]),
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
