import { Command } from 'commander';
import { cancelCommand } from './cancel-command';
import { cliFailure } from './cli-failure';
import { CliIo } from './cli-io';
import { dbMigrateCommand } from './db-command';
import { usageError } from './exit-codes';
import { CLI_ENV, connectionOptions, GatewayCommandOptions } from './gateway-connection';
import { listCommand } from './list-command';
import { logsCommand } from './logs-command';
import { statusCommand } from './status-command';
import { submitCommand } from './submit-command';
import { stateOf } from './task-text';
import { tokenCreateCommand } from './token-command';

/** Roles serve every task of the client, whichever role ran it: any will do for reading. */
const READING_ROLE = 'developer';

/**
 * The `hive` command line: parses `args` (without node and the script),
 * runs the command, reports a failure as one line on stderr, and answers
 * the exit code (exit-codes.ts).
 */
export async function runHive(args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(args, io);
  } catch (error) {
    const failure = cliFailure(error);
    io.stderr.write(`hive: ${failure.message}\n`);
    return failure.exitCode;
  }
}

function dispatch(args: readonly string[], io: CliIo): Promise<number> {
  let running: Promise<number> | undefined;
  const program = throwingUsageErrors(new Command('hive')).usage('<command> [options]');
  program.version((require('../../package.json') as { version: string }).version);
  // Commander 2 calls actions synchronously inside parse(); the command's promise is kept to be awaited.
  const on = (command: Command, action: (...args: any[]) => Promise<number> | number) =>
    command.action((...actionArgs: any[]) => {
      running = Promise.resolve().then(() => action(...actionArgs));
    });

  on(
    gatewayCommand(program, 'submit <instructions...>', 'send a task to a role and follow it to the end')
      .option('--file <path>', 'a file for the workspace (repeatable): named by its path from the current directory, or its base name when outside it', collect)
      .option('--dir <dir>', 'every file under DIR, named by its path from DIR (skips .git and node_modules)')
      .option('--out <dir>', 'write the artifacts (the files the agent wrote) under DIR; default: list them')
      .option('--title <title>', 'a title for the task')
      .option('--max-turns <n>', "turn budget (at most the role's cap)")
      .option('--max-tokens <n>', "token budget (at most the role's cap)")
      .option('--no-wait', 'print the task id once accepted, and exit'),
    (instructions: string[], command: Command) => {
      const flags = command.opts();
      return submitCommand(
        {
          ...gatewayOptions(flags, io),
          instructions: instructions.join(' '),
          files: flags.file ?? [],
          dir: flags.dir,
          out: flags.out,
          title: flags.title,
          maxTurns: positiveInteger('--max-turns', flags.maxTurns),
          maxTokens: positiveInteger('--max-tokens', flags.maxTokens),
          wait: flags.wait,
        },
        io,
      );
    },
  );
  on(gatewayCommand(program, 'status <id>', 'show a task', READING_ROLE), (id: string, command: Command) => statusCommand({ ...gatewayOptions(command.opts(), io), id }, io));
  on(
    gatewayCommand(program, 'list', 'list your tasks, most recently updated first', READING_ROLE)
      .option('--state <state>', 'only tasks in this state: submitted, completed, failed, canceled, ...')
      .option('--limit <n>', 'at most N tasks (1-100; default 50)'),
    (command: Command) => {
      const flags = command.opts();
      return listCommand({ ...gatewayOptions(flags, io), state: taskState(flags.state), limit: positiveInteger('--limit', flags.limit, 100) }, io);
    },
  );
  on(gatewayCommand(program, 'cancel <id>', 'cancel a task: its agent stops after the current turn', READING_ROLE), (id: string, command: Command) =>
    cancelCommand({ ...gatewayOptions(command.opts(), io), id }, io),
  );
  on(gatewayCommand(program, 'logs <id>', "print a task's history: the request, each turn, the final message", READING_ROLE), (id: string, command: Command) =>
    logsCommand({ ...gatewayOptions(command.opts(), io), id }, io),
  );
  on(
    throwingUsageErrors(program.command('token <action> <client>'))
      .usage('create <client> [options]')
      .description("create a client's bearer token and its tokens-file line (needs no gateway)")
      .option('--json', 'print { client, token, line }'),
    (action: string, client: string, command: Command) => {
      if (action !== 'create') throw usageError(`unknown token action '${action}': use 'hive token create <client>'`);
      return tokenCreateCommand({ client, json: Boolean(command.opts().json) }, io);
    },
  );
  on(
    throwingUsageErrors(program.command('db <action>'))
      .usage('migrate [--database-url URL | --sqlite PATH] [options]')
      .description("create or upgrade the gateways' task history (default: $DATABASE_URL, else $HIVE_GATEWAY_SQLITE_PATH)")
      .option('--database-url <url>', 'PostgreSQL URL')
      .option('--sqlite <path>', 'SQLite file')
      .option('--json', 'print { database }'),
    (action: string, command: Command) => {
      if (action !== 'migrate') throw usageError(`unknown db action '${action}': use 'hive db migrate'`);
      const flags = command.opts();
      return dbMigrateCommand({ databaseUrl: flags.databaseUrl, sqlite: flags.sqlite, json: Boolean(flags.json) }, io);
    },
  );

  program.parse(['node', 'hive', ...args]);
  if (running) return running;
  if (args.length === 0) io.stderr.write(program.helpInformation());
  throw usageError(args.length ? `unknown command '${args[0]}'; 'hive --help' lists the commands` : 'no command given');
}

/** A command that talks to the gateway, with the options they all share. */
function gatewayCommand(program: Command, spec: string, description: string, defaultRole?: string): Command {
  return throwingUsageErrors(program.command(spec))
    .description(description)
    .option('--url <url>', `the gateway's base URL (default: $${CLI_ENV.url})`)
    .option('--token <token>', `bearer token (default: $${CLI_ENV.token}, which keeps it out of the process list)`)
    .option('--role <role>', 'architect, developer, qa or meta', defaultRole)
    .option('--transport <transport>', 'jsonrpc (default) or rest')
    .option('--json', 'print JSON instead of text');
}

function gatewayOptions(flags: { [key: string]: any }, io: CliIo): GatewayCommandOptions {
  return { connection: connectionOptions(flags, io.env), json: Boolean(flags.json) };
}

/**
 * Commander 2 prints a usage error and exits 1, which would read as "the
 * task failed": throw instead, so runHive reports it and exits 64.
 */
function throwingUsageErrors(command: Command): Command {
  const help = () => (command.parent ? `hive ${command.name()} --help` : 'hive --help');
  command.missingArgument = (name: string) => {
    throw usageError(`missing <${name}>; see '${help()}'`);
  };
  command.optionMissingArgument = (option: { flags: string }) => {
    throw usageError(`option ${option.flags} needs a value`);
  };
  command.unknownOption = (flag: string) => {
    throw usageError(`unknown option ${flag}; see '${help()}'`);
  };
  return command;
}

/** A repeatable option's values (commander 2 passes undefined before the first). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInteger(flag: string, value: string | undefined, max?: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value) || Number(value) > (max ?? Infinity)) throw usageError(`${flag} must be a whole number from 1${max ? ` to ${max}` : ''}, got '${value}'`);
  return Number(value);
}

function taskState(name: string | undefined) {
  if (name === undefined) return undefined;
  const state = stateOf(name);
  if (state === undefined) throw usageError(`--state: unknown state '${name}' (submitted, working, completed, failed, canceled, rejected, input-required, auth-required)`);
  return state;
}
