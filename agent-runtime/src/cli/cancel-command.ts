import { Task } from '@a2a-js/sdk';
import { isTerminal } from '../gateway/a2a-task';
import { CliIo, printJson } from './cli-io';
import { EXIT } from './exit-codes';
import { connectGateway } from './gateway-client';
import { GatewayCommandOptions } from './gateway-connection';
import { stateName } from './task-text';

export interface CancelOptions extends GatewayCommandOptions {
  readonly id: string;
}

/**
 * `hive cancel <id>`: the agent stops at its next turn boundary; the gateway
 * waits a little for that and answers with the task as it then is, which
 * this prints (--json: the A2A Task).
 */
export async function cancelCommand(options: CancelOptions, io: CliIo): Promise<number> {
  const client = await connectGateway(options.connection);
  const task = await client.cancelTask({ tenant: '', id: options.id, metadata: undefined });
  if (options.json) printJson(io, Task.toJSON(task));
  else io.stdout.write(`task ${task.id} ${stateName(task.status?.state)}${isTerminal(task) ? '' : ': cancel requested, the agent stops after its current turn'}\n`);
  return EXIT.ok;
}
