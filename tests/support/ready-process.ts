import { ChildProcess, spawn } from 'node:child_process';

/** How a server says it is ready. */
export interface ReadySignal {
  /** The line fragment it prints once it accepts connections. */
  readonly text: string;
  /** Where it prints it. */
  readonly stream: 'stdout' | 'stderr';
  /** @default 15_000 */
  readonly timeoutMs?: number;
}

/**
 * Starts a server process and resolves once it prints `ready.text`; rejects with
 * its output when it exits first (a taken port says "Address already in use",
 * which `launchOnFreePort` retries on) or is not ready in time.
 */
export function spawnUntilReady(command: string, args: readonly string[], ready: ReadySignal): Promise<ChildProcess> {
  const proc = spawn(command, args, { stdio: ['ignore', ready.stream === 'stdout' ? 'pipe' : 'ignore', ready.stream === 'stderr' ? 'pipe' : 'ignore'] });
  const timeoutMs = ready.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${command} was not ready within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    proc[ready.stream]!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready.text)) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${output}`));
    });
  });
}
