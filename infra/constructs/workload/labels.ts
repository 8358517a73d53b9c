import { AgentRole } from '../../../agent-runtime/src/contract';

/** What an object is part of, as `app.kubernetes.io/component`. */
export type Component = 'namespace' | 'network' | 'config' | 'agent' | 'redis' | 'postgres' | 'monitoring';

/** The pod label that names an agent's role. */
export const ROLE_LABEL = 'agent-hive/role';

/** Labels that select the pods of one component (and role): stable, so selectors never change. */
export function selectorLabels(component: Component, role?: AgentRole): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'agent-hive',
    'app.kubernetes.io/component': component,
    ...(role ? { [ROLE_LABEL]: role } : {}),
  };
}

/** The labels every object carries (Kubernetes recommended labels). */
export function hiveLabels(component: Component, role?: AgentRole): Record<string, string> {
  return { ...selectorLabels(component, role), 'app.kubernetes.io/part-of': 'agent-hive' };
}
