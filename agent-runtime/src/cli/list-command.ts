import { ListTasksResponse, TaskState } from '@a2a-js/sdk';
import { metadataOf } from '../gateway/a2a-task';
import { CliIo, printJson } from './cli-io';
import { EXIT } from './exit-codes';
import { connectGateway } from './gateway-client';
import { GatewayCommandOptions } from './gateway-connection';
import { stateName } from './task-text';

export interface ListOptions extends GatewayCommandOptions {
  /** Only tasks in this state (as the gateway's history records it). */
  readonly state?: TaskState;
  /** At most this many, most recently updated first. @default the gateway's page size (50) */
  readonly limit?: number;
}

/** `hive list`: the client's tasks, newest first; --json prints the A2A ListTasksResponse. */
export async function listCommand(options: ListOptions, io: CliIo): Promise<number> {
  const client = await connectGateway(options.connection);
  const page = await client.listTasks({
    tenant: '',
    contextId: '',
    status: options.state ?? TaskState.TASK_STATE_UNSPECIFIED,
    pageSize: options.limit,
    pageToken: '',
    // A list shows no conversations: leave the histories on the server.
    historyLength: 0,
    statusTimestampAfter: undefined,
    includeArtifacts: false,
  });
  if (options.json) {
    printJson(io, ListTasksResponse.toJSON(page));
    return EXIT.ok;
  }
  if (page.tasks.length === 0) {
    io.stdout.write('no tasks\n');
    return EXIT.ok;
  }
  const rows = page.tasks.map((task) => [task.id, stateName(task.status?.state), metadataOf(task)?.role ?? '', task.status?.timestamp ?? '', metadataOf(task)?.title ?? '']);
  io.stdout.write(table([['ID', 'STATE', 'ROLE', 'UPDATED', 'TITLE'], ...rows]));
  if (page.totalSize > page.tasks.length) io.stderr.write(`${page.tasks.length} of ${page.totalSize} tasks; --limit shows more\n`);
  return EXIT.ok;
}

/** Columns padded to their widest cell; the last one is not padded. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]) : cell)).join('  ').trimEnd() + '\n').join('');
}
