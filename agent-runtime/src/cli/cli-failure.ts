import { A2AError } from '@a2a-js/sdk/errors';
import { ConfigError } from '../config/config-error';
import { CliError, EXIT } from './exit-codes';

/** How the gateway's refusals (request-guards.ts) arrive: as an HTTP status (HTTP+JSON) or a JSON-RPC error code. */
const UNAUTHENTICATED = { status: 401, rpc: -32010 };
const TOO_MANY = { status: 429, rpc: -32029 };
const INTERNAL = { status: 500, rpc: -32603 };

/**
 * Any error of a command as what the user reads and the code the CLI exits
 * with. The SDK reports the same failure differently per transport, and
 * wraps errors inside a stream: this is the one place that knows.
 */
export function cliFailure(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (!(error instanceof Error)) return new CliError(String(error), EXIT.internal);
  // The runtime's own checks of a value the user gave (a client name, say).
  if (error instanceof ConfigError) return new CliError(error.message, EXIT.usage);
  // The JSON-RPC transport wraps an error event of a stream; its cause is the A2A error.
  const a2a = error instanceof A2AError ? error : error.cause instanceof A2AError ? error.cause : undefined;
  if (a2a) return a2aFailure(a2a);
  // Node's fetch (undici) says 'fetch failed' when there is no answer, 'terminated' when the connection breaks during one.
  if (error instanceof TypeError && (error.message === 'fetch failed' || error.message === 'terminated')) {
    const cause = error.cause instanceof Error ? error.cause.message : 'no answer';
    return new CliError(`${error.message === 'terminated' ? 'lost the connection to the gateway' : 'cannot reach the gateway'}: ${cause}`, EXIT.unavailable);
  }
  if (error.message.startsWith('Failed to fetch Agent Card')) {
    return new CliError(`cannot reach the gateway: ${error.message} (is the URL the gateway's base URL?)`, EXIT.unavailable);
  }
  return new CliError(error.message, EXIT.internal);
}

function a2aFailure(error: A2AError): CliError {
  const { statusCode, envelopeCode } = error as A2AError & { statusCode?: number; envelopeCode?: number };
  const is = (refusal: { status: number; rpc: number }) => statusCode === refusal.status || envelopeCode === refusal.rpc;
  if (is(UNAUTHENTICATED)) return new CliError(`the gateway refused the token: ${error.message}`, EXIT.unauthorized);
  if (is(TOO_MANY)) return new CliError(`the gateway asks to try again later: ${error.message}`, EXIT.tryLater);
  if (is(INTERNAL)) return new CliError(`the gateway failed: ${error.message}`, EXIT.unavailable);
  return new CliError(`the gateway refused the request: ${error.message}`, EXIT.refused);
}
