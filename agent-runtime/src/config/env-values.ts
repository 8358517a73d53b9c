import { DEFAULT_KEY_PREFIX, ENV } from '../contract';
import { LogLevel } from '../log/logger';
import { ConfigError } from './config-error';

// Readers of environment variables: each problem is a ConfigError that names the variable.

export type Env = Readonly<Record<string, string | undefined>>;

export function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`Expected \`${name}\` to be set`);
  return value;
}

export function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${raw}\``);
  }
  return value;
}

export function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`Expected \`${name}\` to be one of ${values.join(', ')}, got \`${raw}\``);
  return raw as T;
}

export function url(env: Env, name: string, protocols: string[], value = env[name]): string | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`Expected \`${name}\` to be a URL, got \`${redactUrl(value)}\``);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`Expected \`${name}\` to use ${protocols.join(' or ')}, got \`${parsed.protocol}\``);
  }
  return value;
}

/** A URL with any password replaced, for messages and logs. */
export function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}


/** HIVE_KEY_PREFIX: it becomes part of every Redis key. */
export function keyPrefix(env: Env): string {
  const prefix = env[ENV.keyPrefix] || DEFAULT_KEY_PREFIX;
  if (!/^[\w.:{}-]{1,64}$/.test(prefix)) {
    throw new ConfigError(`Expected \`${ENV.keyPrefix}\` to be 1-64 letters, digits or '_.:{}-', got \`${prefix}\``);
  }
  return prefix;
}

export function logLevel(env: Env): LogLevel {
  return oneOf(env, ENV.logLevel, ['debug', 'info', 'warn', 'error'] as const, 'info');
}
