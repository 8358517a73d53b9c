import { GATEWAY_ENV } from '../contract';
import { createClientToken } from '../gateway/client-tokens';
import { CliIo, printJson } from './cli-io';
import { CLI_ENV } from './gateway-connection';
import { EXIT } from './exit-codes';

export interface TokenCreateOptions {
  /** The client's name: it owns the tasks made with the token. */
  readonly client: string;
  /** Print `{ client, token, line }` instead of text. */
  readonly json: boolean;
}

/**
 * `hive token create <client>`: a new token, shown only this once (the
 * gateway keeps its hash), and the tokens-file line that admits it. Needs
 * no gateway.
 */
export function tokenCreateCommand(options: TokenCreateOptions, io: CliIo): number {
  const { token, line } = createClientToken(options.client);
  if (options.json) {
    printJson(io, { client: options.client, token, line });
  } else {
    io.stdout.write(`token: ${token}\n`);
    io.stdout.write(`tokens-file line: ${line}\n`);
    io.stderr.write(`Give the token to the client (${CLI_ENV.token}); it is not stored anywhere and cannot be shown again.\n`);
    io.stderr.write(`Add the line to the gateway's tokens file (${GATEWAY_ENV.tokensFile}).\n`);
  }
  return EXIT.ok;
}
