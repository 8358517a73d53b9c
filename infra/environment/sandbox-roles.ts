import { AgentRole } from '../../agent-runtime/src/contract';
import { Environment } from './environment-schema';

/** Whether the environment gives `role`'s pods the sandbox sidecar (meta never has one). */
export function hasSandbox(env: Environment, role: AgentRole): boolean {
  return role !== 'meta' && (env.sandbox?.roles.includes(role) ?? false);
}
