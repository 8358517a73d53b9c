import { execFileSync } from 'node:child_process';
import { requireTool } from './system-tools';

/** What promtool printed, and whether it exited 0. */
export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs promtool in `cwd` (test files name their rule files relative to it). */
export function runPromtool(args: string[], cwd: string): PromtoolResult {
  const promtool = requireTool('promtool');
  try {
    return { ok: true, output: execFileSync(promtool, args, { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A series as promtool's `input_series` names it: `metric{label="value",...}`. */
export function seriesName(metric: string, labels: Record<string, string>): string {
  return `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}
