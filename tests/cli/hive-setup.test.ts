import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port';
import { useGateway } from '../support/gateway-fixture';
import { hive } from '../support/hive-cli';
import { REPO_ROOT } from '../support/repo';

const fleet = useGateway('sqlite');

function tables(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("select name from sqlite_master where type = 'table'").all().map((row) => (row as { name: string }).name);
  } finally {
    db.close();
  }
}

describe('hive token create', () => {
  it('prints the token and its tokens-file line, and a gateway with that line accepts the token', async () => {
    const run = await hive(['token', 'create', 'carol']);

    expect(run.code).toBe(0);
    const [, token, line, hash] = /^token: (hive_\S+)\ntokens-file line: (carol ([0-9a-f]{64}))\n$/.exec(run.stdout) ?? [];
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(run.stderr).toContain('cannot be shown again');

    const tokensFile = join(mkdtempSync(join(tmpdir(), 'hive-tokens-')), 'tokens');
    writeFileSync(tokensFile, `${line}\n`);
    const gateway = await fleet.startGateway({ HIVE_GATEWAY_TOKENS_FILE: tokensFile });
    const carol = await hive(['list', '--url', gateway.url, '--token', token]);
    expect(carol).toMatchObject({ code: 0, stdout: 'no tasks\n' });
    // A token the file does not hold: its own exit code and one line.
    const alice = await hive(['list', '--url', gateway.url, '--token', fleet.tokens.alice]);
    expect(alice).toMatchObject({ code: 77, stdout: '', stderr: 'hive: the gateway refused the token: invalid bearer token\n' });
  });

  it('--json prints client, token and line; a bad client name is a usage error', async () => {
    const run = await hive(['token', 'create', 'ci-bot', '--json']);
    expect(run.code).toBe(0);
    const created = JSON.parse(run.stdout);
    expect(created).toEqual({ client: 'ci-bot', token: expect.stringMatching(/^hive_/), line: `ci-bot ${createHash('sha256').update(created.token).digest('hex')}` });

    const bad = await hive(['token', 'create', 'no/slashes']);
    expect(bad).toMatchObject({ code: 64, stdout: '', stderr: "hive: a client name is 1-64 letters, digits, '_', '.' or '-', got 'no/slashes'\n" });
  });
});

describe('hive db migrate', () => {
  it('creates the task table in a fresh SQLite file, from --sqlite or HIVE_GATEWAY_SQLITE_PATH', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hive-db-'));

    const run = await hive(['db', 'migrate', '--sqlite', 'history.db'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`task history migrated: sqlite:${join(cwd, 'history.db')}\n$`));
    expect(tables(join(cwd, 'history.db'))).toContain('tasks');

    const json = await hive(['db', 'migrate', '--json'], { cwd, env: { HIVE_GATEWAY_SQLITE_PATH: 'other.db' } });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ database: `sqlite:${join(cwd, 'other.db')}` });
    expect(tables(join(cwd, 'other.db'))).toContain('tasks');
  });

  it('needs a database to be named, and only one', async () => {
    expect(await hive(['db', 'migrate'])).toMatchObject({ code: 64, stderr: 'hive: no database: pass --database-url or --sqlite, or set DATABASE_URL or HIVE_GATEWAY_SQLITE_PATH\n' });
    expect(await hive(['db', 'migrate', '--sqlite', 'x.db', '--database-url', 'postgres://h/db'])).toMatchObject({ code: 64, stderr: 'hive: give --database-url or --sqlite, not both\n' });
    expect(await hive(['db', 'upgrade'])).toMatchObject({ code: 64, stderr: "hive: unknown command 'upgrade' (Did you mean migrate?); see 'hive db --help'\n" });
  });
});

describe('hive before it reaches a task', () => {
  it('says where to set a missing URL or token, and exits 64', async () => {
    expect(await hive(['list'])).toMatchObject({ code: 64, stdout: '', stderr: 'hive: no gateway URL: pass --url or set HIVE_URL\n' });
    expect(await hive(['status', 'some-id'], { env: { HIVE_URL: 'http://127.0.0.1:9' } })).toMatchObject({
      code: 64,
      stderr: "hive: no token: set HIVE_TOKEN (or pass --token); 'hive token create <client>' makes one\n",
    });
    expect(await hive(['submit', 'Go.'], { env: { HIVE_URL: 'http://127.0.0.1:9', HIVE_TOKEN: 't' } })).toMatchObject({
      code: 64,
      stderr: "hive: --role must be one of architect, developer, qa, meta, got ''\n",
    });
  });

  it('reports a gateway that does not answer in one line, with its own exit code', async () => {
    const port = await freePort();
    const run = await hive(['list'], { env: { HIVE_URL: `http://127.0.0.1:${port}`, HIVE_TOKEN: 't' } });
    expect(run).toMatchObject({ code: 69, stdout: '', stderr: `hive: cannot reach the gateway: connect ECONNREFUSED 127.0.0.1:${port}\n` });
  });

  it('exits 75 when the gateway asks to try later (in-flight limit), 69 when the URL is not the gateway\'s base', async () => {
    // No agent: the first task stays in flight.
    const gateway = await fleet.startGateway({ HIVE_GATEWAY_MAX_IN_FLIGHT: '1' });
    const env = { HIVE_URL: gateway.url, HIVE_TOKEN: fleet.tokens.alice };
    expect((await hive(['submit', '--role', 'qa', '--no-wait', 'One.'], { env })).code).toBe(0);
    const second = await hive(['submit', '--role', 'qa', '--no-wait', 'Two.'], { env });
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(/^hive: the gateway asks to try again later: .+\n$/);

    const wrongBase = await hive(['list'], { env: { ...env, HIVE_URL: `${gateway.url}/hive` } });
    expect(wrongBase.code).toBe(69);
    expect(wrongBase.stderr).toBe(`hive: cannot reach the gateway: Failed to fetch Agent Card from ${gateway.url}/hive/a2a/developer/.well-known/agent-card.json: 404 (is the URL the gateway's base URL?)\n`);
  });

  it('reports usage errors in one line and exits 64', async () => {
    const cases: Array<[string[], string]> = [
      [['status'], "hive: missing required argument 'id'; see 'hive status --help'\n"],
      [['status', 'one-id', 'another-id'], "hive: too many arguments for 'status'. Expected 1 argument but got 2; see 'hive status --help'\n"],
      [['list', '--colour'], "hive: unknown option '--colour'; see 'hive list --help'\n"],
      [['list', '--limit'], "hive: option '--limit <n>' argument missing; see 'hive list --help'\n"],
      [['list', '--limit', '101'], "hive: option '--limit <n>' argument '101' is invalid. Expected a whole number from 1 to 100; see 'hive list --help'\n"],
      [['submit', '--role', 'developer', '--max-turns', 'ten', 'Go.'], "hive: option '--max-turns <n>' argument 'ten' is invalid. Expected a whole number from 1; see 'hive submit --help'\n"],
      [
        ['list', '--state', 'done'],
        "hive: option '--state <state>' argument 'done' is invalid. Allowed choices are submitted, working, completed, failed, canceled, input-required, rejected, auth-required; see 'hive list --help'\n",
      ],
      [['logs', 'some-id', '--transport', 'grpc'], "hive: option '--transport <transport>' argument 'grpc' is invalid. Allowed choices are jsonrpc, rest; see 'hive logs --help'\n"],
      [['token', 'create'], "hive: missing required argument 'client'; see 'hive token create --help'\n"],
      [['frobnicate'], "hive: unknown command 'frobnicate'; see 'hive --help'\n"],
      [['stauts', 'some-id'], "hive: unknown command 'stauts' (Did you mean status?); see 'hive --help'\n"],
    ];
    for (const [args, stderr] of cases) {
      expect(await hive(args, { env: { HIVE_URL: 'http://127.0.0.1:9', HIVE_TOKEN: 't' } }), args.join(' ')).toMatchObject({ code: 64, stdout: '', stderr });
    }
  });

  it('prints the help a command asks for, or the version, on stdout and exits 0', async () => {
    const help = async (args: string[]) => {
      const run = await hive(args);
      expect(run, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      return run.stdout;
    };
    expect(await help(['--help'])).toMatch(/^Usage: hive \[options\] \[command\]\n[^]*\n {2}submit \[options\] <instructions\.\.\.> /);
    expect(await help(['submit', '--help'])).toMatch(/^Usage: hive submit \[options\] <instructions\.\.\.>\n[^]*\n {2}--max-turns <n> /);
    expect(await help(['token', 'create', '--help'])).toMatch(/^Usage: hive token create \[options\] <client>\n/);
    expect(await help(['help', 'db'])).toMatch(/^Usage: hive db \[options\] \[command\]\n[^]*\n {2}migrate \[options\] /);
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'agent-runtime', 'package.json'), 'utf8'));
    expect(await help(['--version'])).toBe(`${version}\n`);
  });

  it('prints the help on stderr and exits 64 when a command is missing', async () => {
    for (const [args, usage] of [
      [[], 'Usage: hive [options] [command]'],
      [['token'], 'Usage: hive token [options] [command]'],
    ] as const) {
      const run = await hive(args);
      expect(run, args.join(' ')).toMatchObject({ code: 64, stdout: '' });
      const lines = run.stderr.trimEnd().split('\n');
      expect([lines[0], lines.at(-1)], args.join(' ')).toEqual([usage, 'hive: no command given']);
    }
  });
});
