import { readdir, readFile, stat } from 'node:fs/promises';

/** The environment variable that tags every process a sandbox command starts, so strays can be found after it ended. */
export const RUN_MARKER = 'HIVE_SANDBOX_RUN';

/** Rounds of scanning: a stray that forks while it is being killed is caught by the next round. */
const MAX_ROUNDS = 20;

/**
 * Kills, with SIGKILL, every process of `uid` whose environment still carries
 * `HIVE_SANDBOX_RUN=<marker>`: what a command started and detached from its
 * process group (setsid, double fork). Reads /proc, so it sees only the
 * sandbox's own PID namespace; answers how many it killed.
 *
 * A process that both left its group and cleared its environment is not
 * found here (README: "What the sandbox can and cannot reach").
 */
export async function killStrays(marker: string, uid: number): Promise<number> {
  const needle = Buffer.from(`\0${RUN_MARKER}=${marker}\0`);
  let killed = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found = await markedProcesses(needle, uid);
    if (found.length === 0) break;
    for (const pid of found) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return killed;
}

async function markedProcesses(needle: Buffer, uid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if ((await stat(`/proc/${pid}`)).uid !== uid) continue;
      // Environ starts without a NUL: look for the marker as the first variable too.
      const environ = Buffer.concat([Buffer.from([0]), await readFile(`/proc/${pid}/environ`)]);
      if (environ.includes(needle)) pids.push(pid);
    } catch {
      // Exited or not ours to read.
    }
  }
  return pids;
}
