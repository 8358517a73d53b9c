/** The sandbox sidecar did not answer (not started yet, restarting): not the task's fault, so the task is given back. */
export class SandboxUnavailableError extends Error {
  constructor(reason: string) {
    super(`the sandbox is unreachable: ${reason}`);
    this.name = 'SandboxUnavailableError';
  }
}
