import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Units of utime and stime in /proc/<pid>/stat; 100 on every Linux this runs on, asked anyway. */
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) a process has used since it started, in ms, at 10 ms resolution. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses; the fields after its closing ')' are fixed.
  // utime and stime are fields 14 and 15, so indexes 11 and 12 counted from field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of a process, in MB. */
export function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`Expected a VmRSS line in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}
