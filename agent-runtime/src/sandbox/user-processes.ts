import { readdir, readFile } from 'node:fs/promises';

/** What the sweep needs to know of a process, from /proc/<pid>/status. */
interface ProcessInfo {
  readonly uid: number;
  readonly ppid: number;
  readonly zombie: boolean;
}

/**
 * Kills, with SIGKILL, every process of `uid` that a command started: those
 * still below the server, and those orphaned to PID 1 (tini) after they left
 * their group, whatever session or environment they gave themselves
 * (`setsid env -i`). It scans again until none is left: a fork bomb's
 * children fork while they are being killed. A sandbox serves one task at a
 * time, so all of them belong to that task. Spared: the server, its
 * ancestors and what they started besides it, and processes entered into the
 * container from outside (exec probes, the preStop hook: their parent is
 * outside the PID namespace); on a host without its own PID namespace (the
 * image's smoke test), other programs that run as the same uid. Answers how
 * many it killed.
 */
export async function killUserProcesses(uid: number): Promise<number> {
  let killed = 0;
  for (let round = 0; ; round++) {
    const processes = await snapshot();
    const ancestors = ancestorsOf(process.pid, processes);
    const found = [...processes].filter(([pid, info]) => info.uid === uid && !info.zombie && pid !== process.pid && !ancestors.has(pid) && startedByCommand(pid, uid, processes, ancestors)).map(([pid]) => pid);
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

/** Whether `pid`'s line of parents, all of `uid`, leads to the server or to PID 1 (where orphans go). */
function startedByCommand(pid: number, uid: number, processes: ReadonlyMap<number, ProcessInfo>, ancestors: ReadonlySet<number>): boolean {
  for (let parent = processes.get(pid)?.ppid; parent !== undefined && parent !== 0; parent = processes.get(parent)?.ppid) {
    if (parent === process.pid || parent === 1) return true;
    if (ancestors.has(parent) || processes.get(parent)?.uid !== uid) return false;
  }
  return false;
}

/** The server's ancestors up to PID 1: never killed, or the container goes with them. */
function ancestorsOf(pid: number, processes: ReadonlyMap<number, ProcessInfo>): ReadonlySet<number> {
  const ancestors = new Set<number>();
  for (let parent = processes.get(pid)?.ppid; parent !== undefined && parent !== 0 && !ancestors.has(parent); parent = processes.get(parent)?.ppid) ancestors.add(parent);
  return ancestors;
}

async function snapshot(): Promise<Map<number, ProcessInfo>> {
  const processes = new Map<number, ProcessInfo>();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(status)?.[1] ?? '';
      // A zombie is dead already and stays listed until its parent (tini) reaps it. Uid: real, effective, ...
      processes.set(pid, { uid: Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1]), ppid: Number(field('PPid')), zombie: /^[ZX]/.test(field('State')) });
    } catch {
      // Exited meanwhile.
    }
  }
  return processes;
}
