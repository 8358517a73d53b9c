import { AgentRole, STABLE_TRACK } from '../../../agent-runtime/src/contract';

/**
 * What an object is part of, as `app.kubernetes.io/component`. The agents of a role's
 * other tracks are `agent-track`: a Deployment's selector cannot change, and the stable
 * Deployments select `agent` pods of their role, so another component keeps a track's
 * pods out of them (and out of the stable Service, PDB and autoscaler).
 */
export type Component = 'namespace' | 'network' | 'config' | 'agent' | 'agent-track' | 'gateway' | 'bridge' | 'redis' | 'postgres' | 'monitoring';

/** The components of agent pods, of every track. */
export const AGENT_COMPONENTS: readonly Component[] = ['agent', 'agent-track'];

/** The pod label that names an agent's role. */
export const ROLE_LABEL = 'agent-hive/role';

/** The label that names the track of an agent that is not on the stable track. */
export const TRACK_LABEL = 'agent-hive/track';

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

/** Labels that select the agent pods of one track of a role; the stable track's are those the role always had. */
export function agentSelectorLabels(role: AgentRole, track: string = STABLE_TRACK): Record<string, string> {
  return track === STABLE_TRACK ? selectorLabels('agent', role) : { ...selectorLabels('agent-track', role), [TRACK_LABEL]: track };
}

/** Every label of the objects of one track of a role. */
export function agentLabels(role: AgentRole, track: string = STABLE_TRACK): Record<string, string> {
  return { ...agentSelectorLabels(role, track), 'app.kubernetes.io/part-of': 'agent-hive' };
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
