import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/agent-process';
import { useSandboxHive } from '../support/sandbox-fixture';
import { ask, makeTaskRoot } from '../support/sandbox-requests';
import { SANDBOX_ENTRY_POINT } from '../support/sandbox-process';
import { SANDBOX_ID } from '../support/sandbox-users';

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

  it('takes its socket back from a command that moved it and listens at its path: the next request reaches the server, the impostor nothing', async () => {
    const sandbox = await hive.startSandbox();
    const socket = hive.volumes.socket;
    const task = join(makeTaskRoot(hive.volumes.workspace), 't1');
    const seen = join(task, 'impostor-saw');
    // It answers like the server would and, started without env, carries no trace of the command it came from.
    const impostor = `require('net').createServer((c) => c.on('data', (d) => { require('fs').appendFileSync('${seen}', d); c.end('{"ok":true}\\n'); })).listen('${socket}', () => require('fs').writeFileSync('listening', ''))`;
    const script = `eval(Buffer.from('${Buffer.from(impostor).toString('base64')}', 'base64').toString())`;
    expect(await ask(socket, { op: 'prepare', task: 't1' })).toEqual({ ok: true });
    const planted = await ask(socket, {
      op: 'run',
      task: 't1',
      command: `mv ${socket} ${socket}.moved && setsid env -i ${process.execPath} -e "${script}" </dev/null >/dev/null 2>&1 & while [ ! -e listening ]; do sleep 0.05; done; echo planted`,
      timeoutMs: 10_000,
      outputBytes: 1000,
    });
    expect(planted).toMatchObject({ ok: true, exitCode: 0, stdout: 'planted\n' });

    expect(await ask(socket, { op: 'run', task: 't1', command: 'echo served by the sandbox', timeoutMs: 10_000, outputBytes: 1000 })).toMatchObject({ ok: true, exitCode: 0, stdout: 'served by the sandbox\n' });
    expect(existsSync(seen)).toBe(false);
    expect(sandbox.logs.some((l) => l.event === 'the socket was replaced; removed the impostor and listening again')).toBe(true);
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

  it('spares, when it kills what a command left, a process of its uid entered into its PID namespace from outside, as an exec probe is', async () => {
    const sandbox = await hive.startSandbox();
    makeTaskRoot(hive.volumes.workspace);
    const probe = spawn('nsenter', ['--target', String(sandbox.pid), '--pid', '--', 'setpriv', '--reuid', String(SANDBOX_ID), '--regid', String(SANDBOX_ID), '--clear-groups', 'sleep', '4747'], { stdio: 'ignore' });
    try {
      await waitFor(() => sandbox.leftovers().some((cmdline) => cmdline.includes('sleep 4747')), 5_000, 'the probe to run');
      expect(await ask(hive.volumes.socket, { op: 'prepare', task: 't1' })).toEqual({ ok: true });
      expect(await ask(hive.volumes.socket, { op: 'run', task: 't1', command: 'setsid sleep 4848 </dev/null >/dev/null 2>&1 & sleep 0.2', timeoutMs: 10_000, outputBytes: 100 })).toMatchObject({ ok: true, exitCode: 0 });
      expect(sandbox.leftovers()).toEqual(['sleep 4747 ']);
    } finally {
      probe.kill('SIGKILL');
    }
  });

  it('refuses to start as root, whose processes its sweep would kill', () => {
    const started = spawnSync(process.execPath, [SANDBOX_ENTRY_POINT], {
      env: { PATH: process.env.PATH, HIVE_SANDBOX_SOCKET: hive.volumes.socket, HIVE_WORKSPACE_DIR: hive.volumes.workspace },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(started.status).not.toBe(0);
    expect(started.stdout + started.stderr).toContain('the sandbox must not run as root');
    expect(existsSync(hive.volumes.socket)).toBe(false);
  });

  it("lets the current task's command run on while another (a dead run's) task is cleaned up", async () => {
    const sandbox = await hive.startSandbox();
    makeTaskRoot(hive.volumes.workspace);
    expect(await ask(hive.volumes.socket, { op: 'prepare', task: 'dead-run' })).toEqual({ ok: true });
    expect(await ask(hive.volumes.socket, { op: 'prepare', task: 'current' })).toEqual({ ok: true });
    const running = ask(hive.volumes.socket, { op: 'run', task: 'current', command: 'sleep 4949; echo survived', timeoutMs: 20_000, outputBytes: 100 });
    await waitFor(() => sandbox.leftovers().some((cmdline) => cmdline.includes('sleep 4949')), 5_000, 'the command to run');
    expect(await ask(hive.volumes.socket, { op: 'cleanup', task: 'dead-run' })).toEqual({ ok: true });
    expect(sandbox.leftovers().filter((cmdline) => cmdline.includes('sleep 4949'))).toHaveLength(2);
    expect(await ask(hive.volumes.socket, { op: 'cleanup', task: 'current' })).toEqual({ ok: true });
    expect(await running).toMatchObject({ ok: true, signal: 'SIGKILL' });
  });
});
