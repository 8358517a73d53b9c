import { readdir, readFile, stat } from 'node:fs/promises';

/**
 * Kills, with SIGKILL, every process of `uid` but the server and its
 * ancestors (tini), and scans again until none is left: a fork bomb's
 * children fork while they are being killed. A sandbox serves one task at a
 * time, so every other process of its uid belongs to that task, whatever
 * session, process group or environment it gave itself (`setsid env -i`).
 * Reads /proc, so it sees only the sandbox container's own PID namespace;
 * answers how many it killed.
 */
export async function killUserProcesses(uid: number): Promise<number> {
  const spared = await serverAndAncestors();
  let killed = 0;
  for (let round = 0; ; round++) {
    const found = await processesOf(uid, spared);
    if (found.length === 0) return killed;
    // A process in uninterruptible sleep dies only when its I/O ends: do not spin on it.
    if (round >= 10) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const pid of found) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // Gone meanwhile.
      }
    }
  }
}

/** The server's PID and those of its ancestors up to PID 1: never killed, or the container goes with them. */
async function serverAndAncestors(): Promise<ReadonlySet<number>> {
  const pids = new Set<number>([process.pid]);
  for (let pid = process.ppid; pid > 0 && !pids.has(pid); pid = await parentOf(pid)) pids.add(pid);
  return pids;
}

async function parentOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
}

async function processesOf(uid: number, spared: ReadonlySet<number>): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || spared.has(pid)) continue;
    try {
      if ((await stat(`/proc/${pid}`)).uid !== uid) continue;
      // A zombie is dead already and stays listed until its parent (tini) reaps it.
      const state = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (!/^[ZX]/.test(state.slice(state.lastIndexOf(')') + 2))) pids.push(pid);
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}
