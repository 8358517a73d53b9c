import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Environment } from './environment-schema';
import { InvalidEnvironmentError } from './invalid-environment-error';
import { ENVIRONMENT_CONFIG_KEY, parseEnvironment } from './parse-environment';

const STACK_FILE = /^Pulumi\.([a-z0-9-]+)\.yaml$/;

/** Stack names with a `Pulumi.<stack>.yaml` in the repository root, sorted. */
export function listStacks(repoRoot: string): string[] {
  return readdirSync(repoRoot)
    .map((file) => STACK_FILE.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/**
 * Reads an environment from its Pulumi stack file: the stack files are the one
 * place per-environment values live, for synth and for `pulumi up` alike.
 */
export function loadEnvironment(repoRoot: string, stack: string): Environment {
  const file = join(repoRoot, `Pulumi.${stack}.yaml`);
  const doc = parse(readFileSync(file, 'utf8')) as { config?: Record<string, unknown> } | null;
  const raw = doc?.config?.[ENVIRONMENT_CONFIG_KEY];
  if (raw === undefined) {
    throw new InvalidEnvironmentError(stack, [`${ENVIRONMENT_CONFIG_KEY}: missing from ${file}`]);
  }
  return parseEnvironment(stack, raw);
}
