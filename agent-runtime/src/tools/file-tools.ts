import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { Workspace } from './workspace';

/** The tools offered to the model, all confined to the task's workspace. */
export const FILE_TOOLS: Tool[] = [
  {
    name: 'read_file',
    description: 'Read a UTF-8 text file of the workspace.',
    input_schema: { type: 'object', properties: { path: { type: 'string', description: 'Path relative to the workspace' } }, required: ['path'] },
  },
  {
    name: 'write_file',
    description: 'Create or replace a file of the workspace with the given content. For a binary file, give the content in base64 and encoding "base64".',
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' }, encoding: { type: 'string', enum: ['utf8', 'base64'] } },
      required: ['path', 'content'],
    },
  },
  {
    name: 'edit_file',
    description: 'Replace one exact occurrence of old_string with new_string in a file. Fails unless old_string occurs exactly once.',
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string' }, old_string: { type: 'string' }, new_string: { type: 'string' } },
      required: ['path', 'old_string', 'new_string'],
    },
  },
  {
    name: 'list_directory',
    description: 'List a directory of the workspace; directories end with a slash.',
    input_schema: { type: 'object', properties: { path: { type: 'string', description: "Defaults to '.'" } } },
  },
  {
    name: 'search_files',
    description: 'Find lines containing a literal text in the files of the workspace. Returns path:line: text.',
    input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
];

const MAX_SEARCH_MATCHES = 100;

/**
 * Runs file tools for one task and remembers which files the agent wrote.
 * Errors are thrown; the agent loop turns them into `is_error` tool results.
 */
export class FileToolbox {
  /** Paths written or edited, for the task's result. */
  readonly written: Set<string>;

  /** `written`: paths written before this toolbox existed (a task resumed from its checkpoint). */
  constructor(
    readonly workspace: Workspace,
    written: Iterable<string> = [],
  ) {
    this.written = new Set(written);
  }

  async run(name: string, input: Record<string, unknown>): Promise<string> {
    switch (name) {
      case 'read_file':
        return this.workspace.readFile(text(input, 'path'));
      case 'write_file': {
        const path = text(input, 'path');
        const content = text(input, 'content');
        await this.workspace.writeFile(path, input.encoding === 'base64' ? Buffer.from(content, 'base64') : content);
        this.written.add(normalize(path));
        return `wrote ${path}`;
      }
      case 'edit_file':
        return this.edit(text(input, 'path'), text(input, 'old_string'), text(input, 'new_string'));
      case 'list_directory':
        return (await this.workspace.list(input.path === undefined ? '.' : text(input, 'path'))).join('\n') || '(empty)';
      case 'search_files':
        return this.search(text(input, 'text'));
      default:
        throw new Error(`unknown tool '${name}'`);
    }
  }

  private async edit(path: string, oldString: string, newString: string): Promise<string> {
    if (oldString === '') throw new Error('old_string must not be empty');
    const content = await this.workspace.readFile(path);
    const count = content.split(oldString).length - 1;
    if (count !== 1) throw new Error(`old_string occurs ${count} times in '${path}'; it must occur exactly once`);
    await this.workspace.writeFile(path, content.replace(oldString, () => newString));
    this.written.add(normalize(path));
    return `edited ${path}`;
  }

  private async search(needle: string): Promise<string> {
    if (needle === '') throw new Error('text must not be empty');
    const matches: string[] = [];
    for (const file of await this.workspace.files()) {
      let content: string;
      try {
        content = await this.workspace.readFile(file);
      } catch {
        continue; // too large or unreadable: not searched
      }
      for (const [index, line] of content.split('\n').entries()) {
        if (!line.includes(needle)) continue;
        matches.push(`${file}:${index + 1}: ${line}`);
        if (matches.length >= MAX_SEARCH_MATCHES) return `${matches.join('\n')}\n(stopped at ${MAX_SEARCH_MATCHES} matches)`;
      }
    }
    return matches.join('\n') || 'no matches';
  }
}

function text(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  if (typeof value !== 'string') throw new Error(`'${key}' must be a string`);
  return value;
}

function normalize(path: string): string {
  return path.replace(/^\.\//, '');
}
