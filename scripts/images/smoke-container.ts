import { waitFor } from '../../tests/support/agent-process';
import { RunningContainer } from './container-engine';

/** Where the runtime may write: in Kubernetes everything else is a read-only root file system. */
const WRITABLE = ['/app/workspace', '/tmp'];

/** An HTTP answer from a container on the host network; status 0 when nothing answered. */
export async function request(port: number, path: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  return { status: response?.status ?? 0, body: (await response?.text()) ?? '' };
}

/** Runs `test` on a started container; a failure carries the container's output, and the container is removed either way. */
export async function smokeContainer<T>(container: RunningContainer, test: () => Promise<T>): Promise<T> {
  try {
    return await test();
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- container output ---\n${container.output().slice(-3000)}`);
  } finally {
    await container.remove();
  }
}

/** Waits for /readyz 200, then expects /healthz 200; when it was ready. */
export async function waitUntilReady(healthPort: number, what: string): Promise<number> {
  await waitFor(async () => (await request(healthPort, '/readyz')).status === 200, 30_000, `${what} to become ready`);
  const readyAt = Date.now();
  const live = await request(healthPort, '/healthz');
  if (live.status !== 200) throw new Error(`/healthz answered ${live.status}`);
  return readyAt;
}

/** Throws unless the /metrics exposition declares every one of `names`. */
export function expectMetrics(exposition: string, names: readonly string[]): void {
  const missing = names.filter((name) => !exposition.includes(`# TYPE ${name} `));
  if (missing.length > 0) throw new Error(`/metrics lacks ${missing.join(', ')}`);
}

/**
 * SIGTERM must end the process with 0 within `limitMs`, and nothing may have been
 * written outside the writable paths; the milliseconds from signal to exit.
 */
export async function stopCleanly(container: RunningContainer, limitMs: number): Promise<number> {
  const stopStart = Date.now();
  container.terminate();
  const code = await Promise.race([container.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), limitMs))]);
  const stopMs = Date.now() - stopStart;
  if (code !== 0) throw new Error(`SIGTERM did not end the process with 0 within ${limitMs} ms (got ${code})`);
  const written = container.writtenOutside(WRITABLE);
  if (written && written.length > 0) throw new Error(`the process wrote outside ${WRITABLE.join(' and ')}: ${written.slice(0, 5).join(', ')}`);
  return stopMs;
}
