import { AgentRole } from '../../../agent-runtime/src/contract';

/** What an object is part of, as `app.kubernetes.io/component`. */
export type Component = 'namespace' | 'network' | 'config' | 'agent' | 'gateway' | 'redis' | 'postgres' | 'monitoring';

/** The pod label that names an agent's role. */
export const ROLE_LABEL = 'agent-hive/role';

const NAME_LABEL = 'app.kubernetes.io/name';
const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Labels that select the pods of one component (and role): stable, so selectors never change. */
export function selectorLabels(component: Component, role?: AgentRole): Record<string, string> {
  return {
    [NAME_LABEL]: 'agent-hive',
    [COMPONENT_LABEL]: component,
    ...(role ? { [ROLE_LABEL]: role } : {}),
  };
}

/** Selects the pods of any of `components`. */
export function componentsSelector(components: readonly Component[]): {
  matchLabels: Record<string, string>;
  matchExpressions: Array<{ key: string; operator: 'In'; values: string[] }>;
} {
  return { matchLabels: { [NAME_LABEL]: 'agent-hive' }, matchExpressions: [{ key: COMPONENT_LABEL, operator: 'In', values: [...components] }] };
}

/** The labels every object carries (Kubernetes recommended labels). */
export function hiveLabels(component: Component, role?: AgentRole): Record<string, string> {
  return { ...selectorLabels(component, role), 'app.kubernetes.io/part-of': 'agent-hive' };
}
