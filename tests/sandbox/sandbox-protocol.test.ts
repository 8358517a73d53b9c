import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/agent-process';
import { useSandboxHive } from '../support/sandbox-fixture';
import { ask, makeTaskRoot } from '../support/sandbox-requests';

const hive = useSandboxHive();

describe('the sandbox socket', () => {
  it('answers a clear error naming the field for every bad request, and keeps serving', async () => {
    await hive.startSandbox();
    const socket = hive.volumes.socket;
    const cases: Array<[string, RegExp]> = [
      ['not json', /^the request is not JSON/],
      ['{"op":"format-disk"}', /^'op' must be one of ping, prepare, run, clone, diff, push, cleanup, got "format-disk"/],
      ['{"op":"run","task":"../other","command":"id","timeoutMs":1000,"outputBytes":100}', /^'task' must be a task directory name/],
      ['{"op":"run","task":"t1","command":"id","timeoutMs":-5,"outputBytes":100}', /^'timeoutMs' must be an integer from 1 to/],
      ['{"op":"run","task":"never-prepared","command":"id","timeoutMs":1000,"outputBytes":100}', /^task directory 'never-prepared' does not exist \(prepare it first\)/],
      ['{"op":"clone","task":"t1","url":"file:///x","ref":"-x","timeoutMs":1000}', /^'ref' must not start with '-'/],
      ['{"op":"clone","task":"t1","url":"https://user:pw@host/r.git","ref":"main","timeoutMs":1000}', /^'url' must not carry credentials/],
      ['{"op":"diff","task":"t1","base":"HEAD","maxBytes":10,"timeoutMs":1000}', /^'base' must be a full commit id/],
      ['{"op":"push","task":"t1","url":"file:///x","branch":"b","base":"0000000000000000000000000000000000000000","message":"m","timeoutMs":1000}', /^'token' must be a non-empty single-line string/],
    ];
    for (const [line, error] of cases) {
      const answer = await ask(socket, line);
      expect(answer.ok, line).toBe(false);
      expect(answer.error, line).toMatch(error);
    }
    expect(await ask(socket, '{"op":"ping"}')).toEqual({ ok: true });
  });

  it('kills the running commands when it is stopped, answering them first', async () => {
    const sandbox = await hive.startSandbox();
    makeTaskRoot(hive.volumes.workspace);
    expect(await ask(hive.volumes.socket, '{"op":"prepare","task":"t1"}')).toEqual({ ok: true });
    const running = ask(hive.volumes.socket, '{"op":"run","task":"t1","command":"sleep 4343","timeoutMs":600000,"outputBytes":100}');
    await waitFor(() => sandbox.leftovers().some((cmdline) => cmdline.includes('sleep 4343')), 5_000, 'the command to run');

    await sandbox.stop();
    expect(await running).toMatchObject({ ok: true, exitCode: null, signal: 'SIGKILL', timedOut: false });
    expect(sandbox.leftovers().filter((cmdline) => cmdline.includes('sleep 4343'))).toEqual([]);
  });

  it('kills a command whose client hung up before it started', async () => {
    const sandbox = await hive.startSandbox();
    makeTaskRoot(hive.volumes.workspace);
    expect(await ask(hive.volumes.socket, { op: 'prepare', task: 't1' })).toEqual({ ok: true });
    const client = connect(hive.volumes.socket, () => {
      client.write(`${JSON.stringify({ op: 'run', task: 't1', command: 'sleep 4545', timeoutMs: 600_000, outputBytes: 100 })}\n`);
      client.destroy();
    });
    // Time for the command to start, if it is going to.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await ask(hive.volumes.socket, { op: 'ping' })).toEqual({ ok: true });
    expect(sandbox.leftovers().filter((cmdline) => cmdline.includes('sleep 4545'))).toEqual([]);
  });
});
