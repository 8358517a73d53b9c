// The sandbox protocol's smoke check, run inside the sandbox image with its own node
// (plain JavaScript: the image has no TypeScript). It waits for the server's socket
// (HIVE_SANDBOX_SOCKET) while the server (its PID the first argument) runs, then sends `ping`, `prepare` of the task directory `smoke` and a `run` of
// `git --version` in it, one request per connection as the contract says, and exits 0 only
// if both answers are what the contract promises.
'use strict';
const net = require('node:net');
const { existsSync, readFileSync } = require('node:fs');

const socket = process.env.HIVE_SANDBOX_SOCKET;
const serverPid = Number(process.argv[2]);

/** Whether the server still runs: an exited one stays a zombie until the shell reaps it, so signal 0 is not enough. */
function serverRuns() {
  try {
    const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function request(body) {
  return new Promise((resolve, reject) => {
    const connection = net.connect(socket);
    let answer = '';
    connection.setEncoding('utf8');
    connection.on('data', (chunk) => (answer += chunk));
    connection.on('error', reject);
    connection.on('close', () => {
      const lines = answer.split('\n').filter(Boolean);
      if (lines.length !== 1 || !answer.endsWith('\n')) return reject(new Error(`expected one newline-terminated JSON line, got ${JSON.stringify(answer)}`));
      try {
        resolve(JSON.parse(lines[0]));
      } catch (error) {
        reject(new Error(`the answer is not JSON: ${lines[0]}`));
      }
    });
    // Write, not end: a client that ends its side is one that hung up, whose command the server kills.
    connection.write(`${JSON.stringify(body)}\n`);
  });
}

function expect(condition, what, answer) {
  if (!condition) throw new Error(`${what}: ${JSON.stringify(answer)}`);
}

async function main() {
  for (let waited = 0; !existsSync(socket); waited += 100) {
    if (!serverRuns()) throw new Error(`the server exited before it made its socket at ${socket}`);
    if (waited >= 15000) throw new Error(`the server made no socket at ${socket} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pong = await request({ op: 'ping' });
  expect(pong.ok === true, 'ping did not answer {"ok":true}', pong);

  const prepared = await request({ op: 'prepare', task: 'smoke' });
  expect(prepared.ok === true, 'prepare did not make the task directory', prepared);

  const run = await request({ op: 'run', task: 'smoke', command: 'git --version', timeoutMs: 10000, outputBytes: 4096 });
  expect(run.ok === true, 'the run request failed', run);
  expect(run.exitCode === 0 && run.signal === null && run.timedOut === false, 'git --version did not exit 0', run);
  expect(/^git version \d/.test(run.stdout), 'stdout is not git --version', run);
  expect(run.stdoutTruncated === false && run.stderrTruncated === false, 'a short output was marked truncated', run);
  expect(typeof run.stderr === 'string' && Number.isFinite(run.durationMs), 'the answer lacks stderr or durationMs', run);

  const bad = await request({ op: 'run', task: '../escape', command: 'true', timeoutMs: 1000, outputBytes: 1024 });
  expect(bad.ok === false && typeof bad.error === 'string' && bad.error.length > 0, 'a task name with a slash was not refused with an error', bad);
  console.log('protocol ok');
}

main().catch((error) => {
  console.error(`protocol check failed: ${error.message}`);
  process.exit(1);
});
