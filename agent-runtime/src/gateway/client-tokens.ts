import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config-error';

/** What a client may be called: it names the owner of tasks and a metric label. */
export const CLIENT_NAME = /^[\w.-]{1,64}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new bearer token and the tokens-file line that admits it; the token itself is stored nowhere. */
export function createClientToken(client: string): { token: string; line: string } {
  if (!CLIENT_NAME.test(client)) throw new ConfigError(`a client name is 1-64 letters, digits, '_', '.' or '-', got '${client}'`);
  const token = `hive_${randomBytes(32).toString('base64url')}`;
  return { token, line: `${client} ${hashToken(token)}` };
}

/**
 * The clients admitted by the tokens file (`<client> <sha256 hex of token>`
 * a line; `#` comments). Only hashes are held, so a leaked file or heap dump
 * gives no usable token.
 */
export class ClientTokens {
  private constructor(private readonly clientsByHash: ReadonlyMap<string, string>) {}

  static fromFile(path: string): ClientTokens {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read the tokens file ${path}: ${(error as Error).message}`);
    }
    return ClientTokens.parse(text, path);
  }

  static parse(text: string, source = 'tokens'): ClientTokens {
    const parsed = parseTokenLines(text);
    if (typeof parsed === 'string') throw new ConfigError(`${source} ${parsed}`);
    return new ClientTokens(parsed);
  }

  /** The client a bearer token belongs to, or undefined. */
  clientOf(token: string): string | undefined {
    // Looked up by the token's hash: lookup timing can only reveal hashes, not tokens.
    return this.clientsByHash.get(hashToken(token));
  }
}

/**
 * The client of each token hash in a tokens file, or what is wrong with the
 * file, naming the line and never a value (the deploy checks its secret
 * config with this too). A client may have several tokens (while one
 * replaces another); one token for two clients is refused.
 */
export function parseTokenLines(text: string): Map<string, string> | string {
  const clientsByHash = new Map<string, string>();
  const lineOfHash = new Map<string, number>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [client, hash, extra] = line.split(/\s+/);
    // A token pasted instead of its line is the likely mistake: it must never be stored.
    if (extra !== undefined || !CLIENT_NAME.test(client) || !/^[0-9a-f]{64}$/.test(hash ?? '')) {
      return `line ${index + 1} is not '<client> <sha256 hex>' (store the line \`hive token create\` prints, not the token)`;
    }
    const first = lineOfHash.get(hash);
    if (first !== undefined) return `line ${index + 1} repeats the token of line ${first}`;
    lineOfHash.set(hash, index + 1);
    clientsByHash.set(hash, client);
  }
  return clientsByHash.size ? clientsByHash : "has no client: add the line `hive token create <client>` prints";
}
