import { Command, CommanderError, InvalidArgumentError, Option, OptionValues } from 'commander';
import { AGENT_ROLES, AgentRole } from '../contract';
import { cancelCommand } from './cancel-command';
import { cliFailure } from './cli-failure';
import { CliIo } from './cli-io';
import { dbMigrateCommand } from './db-command';
import { EXIT, usageError } from './exit-codes';
import { CLI_ENV, connectionOptions, GatewayCommandOptions, TRANSPORTS } from './gateway-connection';
import { listCommand } from './list-command';
import { logsCommand } from './logs-command';
import { rolloutResumeCommand, rolloutRollbackCommand, rolloutStartCommand, rolloutStatusCommand } from './rollout-command';
import { statusCommand } from './status-command';
import { submitCommand } from './submit-command';
import { TASK_STATES } from './task-text';
import { tokenCreateCommand } from './token-command';

/** Roles serve every task of the client, whichever role ran it: any will do for reading. */
const READING_ROLE = 'developer';

/**
 * The `hive` command line: parses `args` (without node and the script),
 * runs the command, reports a failure as one line on stderr, and answers
 * the exit code (exit-codes.ts).
 */
export async function runHive(args: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  try {
    await hiveProgram(io, (code) => (exitCode = code)).parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    // --help and --version: printed, and nothing else to do.
    if (error instanceof CommanderError && error.exitCode === 0) return EXIT.ok;
    const failure = cliFailure(error);
    io.stderr.write(`hive: ${failure.message}\n`);
    return failure.exitCode;
  }
}

/** The commands; parseAsync runs one, which hands its exit code to `exit` (commander keeps no action's result). */
function hiveProgram(io: CliIo, exit: (code: number) => void): Command {
  const program = usageErrors(new Command('hive'))
    .version((require('../../package.json') as { version: string }).version)
    // Set before the subcommands are added, which inherit it. Errors are left to runHive, as one line.
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text), outputError: () => undefined });

  gatewayCommand(program, 'submit <instructions...>', 'send a task to a role and follow it to the end')
    .option('--file <path>', 'a file for the workspace (repeatable): named by its path from the current directory, or its base name when outside it', collect)
    .option('--dir <dir>', 'every file under DIR, named by its path from DIR (skips .git and node_modules)')
    .option('--out <dir>', 'write the artifacts (the files the agent wrote) under DIR; default: list them')
    .option('--title <title>', 'a title for the task')
    .option('--max-turns <n>', "turn budget (at most the role's cap)", wholeNumber())
    .option('--max-tokens <n>', "token budget (at most the role's cap)", wholeNumber())
    .option('--repo <url>', 'a git repository (https:// or file://) the agent works on; its patch comes back as changes.patch')
    .option('--ref <ref>', 'the branch, tag or commit of --repo to start from', 'HEAD')
    .option('--push <branch>', 'push the work to this branch of --repo (the environment must grant a push token)')
    .option('--no-wait', 'print the task id once accepted, and exit')
    .action(async (instructions: string[], flags: OptionValues) => {
      const { file = [], dir, out, title, maxTurns, maxTokens, wait, repo: url, ref, push } = flags;
      // The gateway checks url, ref and branch, and says which one is wrong.
      const repo = url === undefined ? undefined : { url: url as string, ref: ref as string };
      exit(await submitCommand({ ...gatewayOptions(flags, io), instructions: instructions.join(' '), files: file, dir, out, title, maxTurns, maxTokens, repo, push, wait }, io));
    });
  gatewayCommand(program, 'status <id>', 'show a task', READING_ROLE).action(async (id: string, flags: OptionValues) =>
    exit(await statusCommand({ ...gatewayOptions(flags, io), id }, io)),
  );
  gatewayCommand(program, 'list', 'list your tasks, most recently updated first', READING_ROLE)
    .addOption(new Option('--state <state>', 'only tasks in this state').choices([...TASK_STATES.keys()]))
    .option('--limit <n>', 'at most N tasks (1-100; default 50)', wholeNumber(100))
    .action(async (flags: OptionValues) => exit(await listCommand({ ...gatewayOptions(flags, io), state: TASK_STATES.get(flags.state), limit: flags.limit }, io)));
  gatewayCommand(program, 'cancel <id>', 'cancel a task: its agent stops after the current turn', READING_ROLE).action(async (id: string, flags: OptionValues) =>
    exit(await cancelCommand({ ...gatewayOptions(flags, io), id }, io)),
  );
  gatewayCommand(program, 'logs <id>', "print a task's history: the request, each turn, the final message", READING_ROLE).action(async (id: string, flags: OptionValues) =>
    exit(await logsCommand({ ...gatewayOptions(flags, io), id }, io)),
  );

  subcommand(subcommand(program, 'token', 'client tokens'), 'create <client>', "create a client's bearer token and its tokens-file line (needs no gateway)")
    .option('--json', 'print { client, token, line }')
    .action((client: string, flags: OptionValues) => exit(tokenCreateCommand({ client, json: Boolean(flags.json) }, io)));
  subcommand(subcommand(program, 'db', "the gateways' task history"), 'migrate', "create or upgrade the gateways' task history (default: $DATABASE_URL, else $HIVE_GATEWAY_SQLITE_PATH)")
    .option('--database-url <url>', 'PostgreSQL URL')
    .option('--sqlite <path>', 'SQLite file')
    .option('--json', 'print { database }')
    .action(async (flags: OptionValues) => exit(await dbMigrateCommand({ databaseUrl: flags.databaseUrl, sqlite: flags.sqlite, json: Boolean(flags.json) }, io)));
  rolloutCommands(subcommand(program, 'rollout', "move a role's new tasks to another track step by step, behind Prometheus gates (needs REDIS_URL, not the gateway)"), io, exit);
  return program;
}

/** `hive rollout start|status|resume|rollback` (docs/cli.md "Rollouts"). */
function rolloutCommands(rollout: Command, io: CliIo, exit: (code: number) => void): void {
  const role = () => new Option('--role <role>', 'architect, developer, qa or meta').choices(AGENT_ROLES).makeOptionMandatory();
  subcommand(rollout, 'start', 'pre-validate, then shift the new tasks step by step; exit 0 at 100 %, 3 when rolled back')
    .addOption(new Option('--role <role>', 'architect, developer, qa or meta (or the plan file\'s)').choices(AGENT_ROLES))
    .option('--to <track>', 'the track that gets the tasks (or the plan file\'s)')
    .option('--from <track>', 'the track that has them now (default: stable; legacy: the old system)')
    .option('--steps <list>', "the new track's percent at each step (default: 25,50,75,100)")
    .option('--soak <duration>', 'how long each step runs before its gates decide (default: 5m)')
    .option('--window <duration>', "the range of the gates' rates (default: 5m)")
    .option('--check-every <duration>', 'how often the gates are asked during a step (default: 30s, at most the soak)')
    .option('--prometheus <url>', '$PROMETHEUS_URL when not given')
    .option('--plan <file>', 'a JSON plan (role, from, to, steps, soak, checkEvery, window, lockTtl, prometheus, gates); the options win over it')
    .option('--dry-run', 'print the plan and evaluate every gate; change nothing')
    .action(async (flags: OptionValues) => {
      const { role: planRole, to, from, steps, soak, window, checkEvery, prometheus, plan, dryRun } = flags;
      exit(await rolloutStartCommand({ planFile: plan, dryRun: Boolean(dryRun), flags: { role: planRole, to, from, steps, soak, window, checkEvery, prometheus } }, io));
    });
  subcommand(rollout, 'status', "the role's weights, its latest rollout and its gates")
    .addOption(role())
    .option('--json', 'print { role, weights, status, step, rollout, lock }')
    .action(async (flags: OptionValues) => exit(await rolloutStatusCommand({ role: flags.role as AgentRole, json: Boolean(flags.json) }, io)));
  subcommand(rollout, 'resume', 'continue an interrupted rollout where it stopped (waits for a killed one\'s lock to expire)')
    .addOption(role())
    .option('--prometheus <url>', "another Prometheus than the plan's")
    .action(async (flags: OptionValues) => exit(await rolloutResumeCommand({ role: flags.role as AgentRole, prometheus: flags.prometheus }, io)));
  subcommand(rollout, 'rollback', 'the new track to 0 % now; tasks already enqueued finish where they are')
    .addOption(role())
    .action(async (flags: OptionValues) => exit(await rolloutRollbackCommand({ role: flags.role as AgentRole }, io)));
}

/** A command that talks to the gateway, with the options they all share. */
function gatewayCommand(program: Command, nameAndArgs: string, description: string, defaultRole?: string): Command {
  return subcommand(program, nameAndArgs, description)
    .option('--url <url>', `the gateway's base URL (default: $${CLI_ENV.url})`)
    .option('--token <token>', `bearer token (default: $${CLI_ENV.token}, which keeps it out of the process list)`)
    .option('--role <role>', 'architect, developer, qa or meta', defaultRole)
    .addOption(new Option('--transport <transport>', "A2A transport (rest is A2A's HTTP+JSON)").choices(Object.keys(TRANSPORTS)).default('jsonrpc'))
    .option('--json', 'print JSON instead of text');
}

function gatewayOptions(flags: OptionValues, io: CliIo): GatewayCommandOptions {
  return { connection: connectionOptions({ url: flags.url, token: flags.token, role: flags.role, transport: flags.transport }, io.env), json: Boolean(flags.json) };
}

/** A command under `parent`, whose usage errors point at its own help. */
function subcommand(parent: Command, nameAndArgs: string, description: string): Command {
  return usageErrors(parent.command(nameAndArgs).description(description));
}

/**
 * Commander's errors (unknown option, missing argument, ...) as the CLI's
 * usage error, exit 64: commander's own exit code 1 would read as "the task
 * failed". Help and version (exit code 0) are passed on to runHive.
 */
function usageErrors(command: Command): Command {
  return command.exitOverride((error) => {
    if (error.exitCode === 0) throw error;
    // A command that needs a subcommand got none: commander has printed its help on stderr.
    if (error.code === 'commander.help') throw usageError('no command given');
    // One line that ends with where to look: commander puts a "(Did you mean ...?)" on a line of its own, and ends some messages with a period.
    const message = error.message.replace(/^error: /, '').replace(/\n/g, ' ').replace(/\.$/, '');
    throw usageError(`${message}; see '${commandPath(command)} --help'`);
  });
}

/** `hive token create` for the create command. */
function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}

/** A repeatable option's values (commander passes undefined before the first). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** An argParser for a count: a whole number from 1, and at most `max`. */
function wholeNumber(max?: number): (value: string) => number {
  return (value) => {
    if (!/^[1-9]\d{0,8}$/.test(value) || Number(value) > (max ?? Infinity)) throw new InvalidArgumentError(`Expected a whole number from 1${max ? ` to ${max}` : ''}.`);
    return Number(value);
  };
}
