import { Environment, environmentSchema } from './environment-schema';
import { InvalidEnvironmentError } from './invalid-environment-error';

/** The key under which a stack file holds its environment (`<project>:environment`). */
export const ENVIRONMENT_CONFIG_KEY = 'agent-hive:environment';

/**
 * Validates raw config into an Environment. Every problem is reported at once,
 * as `<dotted key>: <reason>`, so a user fixes a config file in one pass.
 */
export function parseEnvironment(name: string, raw: unknown): Environment {
  const result = environmentSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = [ENVIRONMENT_CONFIG_KEY, ...issue.path].join('.');
      return `${key}: ${issue.message}`;
    });
    throw new InvalidEnvironmentError(name, problems);
  }
  return { ...result.data, name };
}
