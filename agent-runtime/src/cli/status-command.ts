import { Task } from '@a2a-js/sdk';
import { HiveTaskMetadata, metadataOf } from '../gateway/a2a-task';
import { artifactBytes } from './artifact-files';
import { CliIo, printJson } from './cli-io';
import { EXIT } from './exit-codes';
import { connectGateway } from './gateway-client';
import { GatewayCommandOptions } from './gateway-connection';
import { messageText, stateName } from './task-text';

export interface StatusOptions extends GatewayCommandOptions {
  readonly id: string;
}

/** `hive status <id>`: the task as the gateway has it now; --json prints the A2A Task. */
export async function statusCommand(options: StatusOptions, io: CliIo): Promise<number> {
  const client = await connectGateway(options.connection);
  const task = await client.getTask({ tenant: '', id: options.id });
  if (options.json) printJson(io, Task.toJSON(task));
  else io.stdout.write(describeTask(task));
  return EXIT.ok;
}

/** A field a line, then the latest message (a turn's line, or the final text). */
function describeTask(task: Task): string {
  const meta: Partial<HiveTaskMetadata> = metadataOf(task) ?? {};
  const rows: Array<[string, string | undefined]> = [
    ['task', task.id],
    ['role', meta.role],
    ['track', meta.track],
    ['title', meta.title],
    ['state', stateName(task.status?.state)],
    ['updated', task.status?.timestamp],
    ['turns', meta.turns?.toString()],
    ['tokens', meta.usage && `${meta.usage.input_tokens} in, ${meta.usage.output_tokens} out`],
    ['artifacts', task.artifacts.map((a) => `${a.name} (${artifactBytes(a).length} bytes)`).join(', ')],
    ['error', meta.error],
  ];
  const fields = rows.filter(([, value]) => value).map(([label, value]) => `${label.padEnd(10)} ${value}\n`);
  const message = messageText(task.status?.message);
  return fields.join('') + (message ? `\n${message}\n` : '');
}
