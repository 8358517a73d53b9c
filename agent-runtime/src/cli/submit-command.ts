import { Role, StreamResponse, TaskState } from '@a2a-js/sdk';
import type { Artifact, Message, Part, SendMessageRequest, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { textPart } from '../gateway/a2a-task';
import { artifactBytes, writeArtifacts } from './artifact-files';
import { cliFailure } from './cli-failure';
import { CliIo, CliOutput, printJson } from './cli-io';
import { CliError, EXIT, ExitCode } from './exit-codes';
import { connectGateway } from './gateway-client';
import { GatewayCommandOptions } from './gateway-connection';
import { TaskProgress } from './task-progress';
import { messageText } from './task-text';
import { workspaceParts } from './workspace-files';

export interface SubmitOptions extends GatewayCommandOptions {
  readonly instructions: string;
  /** --file paths (workspace-files.ts says under which name each goes in). */
  readonly files: readonly string[];
  /** --dir: every file under it, named relative to it. */
  readonly dir?: string;
  /** Where the artifacts are written; unset: they are listed, not written. */
  readonly out?: string;
  readonly title?: string;
  readonly maxTurns?: number;
  readonly maxTokens?: number;
  /** --repo: a repository the sandbox clones at `ref`; the patch comes back as the artifact changes.patch. */
  readonly repo?: { readonly url: string; readonly ref: string };
  /** --push: the branch of `repo` the work is pushed to. */
  readonly push?: string;
  /** false (--no-wait): print the task's id once the gateway has it, and exit. */
  readonly wait: boolean;
}

/** How a task ended, as the exit code; a state not listed has not ended. */
const EXIT_OF_STATE: Partial<Record<TaskState, ExitCode>> = {
  [TaskState.TASK_STATE_COMPLETED]: EXIT.ok,
  [TaskState.TASK_STATE_FAILED]: EXIT.taskFailed,
  [TaskState.TASK_STATE_REJECTED]: EXIT.taskFailed,
  [TaskState.TASK_STATE_CANCELED]: EXIT.taskCanceled,
};

const NO_OUTPUT: CliOutput = { write: () => true };

/**
 * `hive submit`: one message (instructions, workspace files, title and
 * budget) as a new task, followed over the stream until it ends; then the
 * final text on stdout, the artifacts written to --out, and the exit code
 * of the outcome.
 */
export async function submitCommand(options: SubmitOptions, io: CliIo): Promise<number> {
  // Files first: a typo in a path should not need a gateway to be reported.
  const files = await workspaceParts({ files: options.files, dir: options.dir, cwd: io.cwd });
  const client = await connectGateway(options.connection);
  const request: SendMessageRequest = {
    tenant: '',
    message: userMessage([textPart(options.instructions), ...files, ...taskOptionsPart(options)]),
    configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: !options.wait },
    metadata: undefined,
  };

  if (!options.wait) {
    const task = await client.sendMessage(request);
    if ('messageId' in task) throw new CliError('the gateway answered with a message instead of a task', EXIT.internal);
    if (options.json) printJson(io, StreamResponse.toJSON({ payload: { $case: 'task', value: task } }));
    else io.stdout.write(`${task.id}\n`);
    return EXIT.ok;
  }

  const progress = new TaskProgress({ output: options.json ? NO_OUTPUT : io.stderr });
  const artifacts: Artifact[] = [];
  let taskId = '';
  let final: TaskStatusUpdateEvent | undefined;
  try {
    for await (const event of client.sendMessageStream(request)) {
      if (options.json) printJson(io, StreamResponse.toJSON(event));
      const payload = event.payload;
      if (payload?.$case === 'task') {
        taskId = payload.value.id;
        progress.submitted(taskId);
      } else if (payload?.$case === 'artifactUpdate' && payload.value.artifact) {
        artifacts.push(payload.value.artifact);
      } else if (payload?.$case === 'statusUpdate') {
        if (EXIT_OF_STATE[payload.value.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED] === undefined) progress.turn(payload.value);
        else final = payload.value;
      }
    }
  } catch (error) {
    throw goesOn(taskId, cliFailure(error));
  } finally {
    progress.finish();
  }
  if (!final) throw goesOn(taskId, new CliError('the gateway ended the stream before the task ended', EXIT.unavailable));

  if (!options.json) {
    const text = messageText(final.status?.message);
    if (text) io.stdout.write(`${text}\n`);
  }
  await deliverArtifacts(artifacts, options, io);
  return EXIT_OF_STATE[final.status!.state]!;
}

/** A failure once the task was accepted: the task goes on without the CLI, so say how to find it. */
function goesOn(taskId: string, failure: CliError): CliError {
  return taskId ? new CliError(`${failure.message}; task ${taskId} goes on: follow it with 'hive status ${taskId}'`, failure.exitCode) : failure;
}

function userMessage(parts: Part[]): Message {
  return { messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

/** The data part of title and budget, when one of them is given. */
function taskOptionsPart(options: SubmitOptions): Part[] {
  const budget = { ...(options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {}), ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}) };
  const value = {
    ...(options.title ? { title: options.title } : {}),
    ...(Object.keys(budget).length ? { budget } : {}),
    ...(options.repo ? { repo: options.repo } : {}),
    ...(options.push ? { push: { branch: options.push } } : {}),
  };
  return Object.keys(value).length ? [{ content: { $case: 'data', value }, filename: '', mediaType: 'application/json', metadata: undefined }] : [];
}

/** Into --out, or listed on stderr so the user knows what there is to fetch. */
async function deliverArtifacts(artifacts: readonly Artifact[], options: SubmitOptions, io: CliIo): Promise<void> {
  const notes = options.json ? NO_OUTPUT : io.stderr;
  if (options.out !== undefined) {
    const out = resolve(io.cwd, options.out);
    for (const path of await writeArtifacts(out, artifacts)) notes.write(`wrote ${resolve(out, path)}\n`);
  } else if (artifacts.length) {
    notes.write(`${artifacts.length} artifact(s), not written (pass --out DIR to write them):\n`);
    for (const artifact of artifacts) notes.write(`  ${artifact.name} (${artifactBytes(artifact).length} bytes)\n`);
  }
}
