import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ScalableRole } from '../../../agent-runtime/src/contract';
import { GitHostSpec } from '../../environment/environment-schema';
import { AGENT_COMPONENTS, componentsSelector, hiveLabels, ROLE_LABEL } from '../workload/labels';
import { CILIUM_DNS_VISIBILITY } from './cilium-dns';

/** The policy's name, in either mode. */
export const GIT_HOST_EGRESS = 'agents-to-git-host';

export interface GitHostEgressProps {
  readonly namespace: string;
  /** Roles whose pods have a sandbox: they clone and push. */
  readonly roles: readonly ScalableRole[];
  readonly gitHost: GitHostSpec;
  /** 'cidr': a NetworkPolicy to `gitHost.cidr`; 'cilium-fqdn': a CiliumNetworkPolicy to `gitHost.fqdn` (needs Cilium). */
  readonly egress: 'cidr' | 'cilium-fqdn';
}

/**
 * Egress from the pods of the roles with a sandbox to the git host, on its
 * HTTPS port, named as the egress mode can enforce it (like the LLM API's rule).
 * The sandbox shares its pod's network namespace, so the rule is the pod's: the
 * agent container and the sandbox alike reach the host; only the agent holds a token.
 */
export class GitHostEgress extends Construct {
  constructor(scope: Construct, id: string, props: GitHostEgressProps) {
    super(scope, id);
    const { gitHost } = props;
    const target = props.egress === 'cilium-fqdn' ? gitHost.fqdn : gitHost.cidr;
    if (props.roles.length === 0) throw new Error("'roles' must name at least one role: a policy for no role would select every agent");
    if (target === undefined) throw new Error(`'gitHost.${props.egress === 'cilium-fqdn' ? 'fqdn' : 'cidr'}' must be set with egress ${props.egress}`);
    const metadata = { name: GIT_HOST_EGRESS, namespace: props.namespace, labels: hiveLabels('network') };
    // Every track of a role runs the role's sandbox, so the policy selects the agents of every track.
    const agents = componentsSelector(AGENT_COMPONENTS);
    const pods = { matchLabels: agents.matchLabels, matchExpressions: [...agents.matchExpressions, { key: ROLE_LABEL, operator: 'In', values: [...props.roles] }] };

    if (props.egress === 'cidr') {
      new k8s.KubeNetworkPolicy(this, 'policy', {
        metadata,
        spec: {
          podSelector: pods,
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: target } }], ports: [{ port: k8s.IntOrString.fromNumber(gitHost.port), protocol: 'TCP' }] }],
        },
      });
      return;
    }
    new ApiObject(this, 'policy', {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata,
      spec: {
        endpointSelector: pods,
        egress: [CILIUM_DNS_VISIBILITY, { toFQDNs: [{ matchName: target }], toPorts: [{ ports: [{ port: String(gitHost.port), protocol: 'TCP' }] }] }],
      },
    });
  }
}
