import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { GATEWAY_PORT, METRICS_PORT } from '../../../agent-runtime/src/contract';
import { CILIUM_DNS_VISIBILITY } from './cilium-dns';
import { AGENT_COMPONENTS, Component, componentsSelector, hiveLabels, selectorLabels } from '../workload/labels';

/** Where a data store is reached: pods of a component in the namespace, or a managed endpoint outside it. */
export type StoreEndpoint =
  | { readonly kind: 'in-cluster'; readonly component: Component; readonly port: number }
  | { readonly kind: 'external'; readonly cidr: string; readonly port: number };

export interface HiveNetworkPoliciesProps {
  readonly namespace: string;
  /** Namespace whose pods (Prometheus) may scrape the metrics port. */
  readonly monitoringNamespace: string;
  /** 'cidr': HTTPS to public addresses; 'cilium-fqdn': only to `llmApiHost` (needs Cilium). */
  readonly egress: 'cidr' | 'cilium-fqdn';
  /** The Messages API host, e.g. api.anthropic.com. */
  readonly llmApiHost: string;
  readonly redis: StoreEndpoint;
  readonly postgres: StoreEndpoint;
  /** Namespaces whose pods may call the gateway's A2A port: its clients, and the ingress controller's if there is an Ingress. */
  readonly gatewayClientNamespaces: readonly string[];
  /** KEDA's namespace, whose scalers read the task streams; omitted: KEDA does not scale the agents. */
  readonly kedaNamespace?: string;
  /** Whether the bridge from the old system runs (it reaches Redis only). @default false */
  readonly bridge?: boolean;
}

/** The workloads that talk to the data stores. */
type StoreClient = 'agents' | 'gateway' | 'bridge';

/**
 * Who may use which data store: the agents and the bridge only the task streams in
 * Redis; the gateway those and the task history in PostgreSQL.
 */
const STORE_CLIENTS: Record<'redis' | 'postgres', readonly StoreClient[]> = { redis: ['agents', 'gateway', 'bridge'], postgres: ['gateway'] };

/** Ranges an agent must never reach over its HTTPS rule: the cluster, the node network, cloud metadata. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'];

const DNS_PEER: k8s.NetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};

/** Default deny in both directions, then one NetworkPolicy per allowed path. */
export class HiveNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: HiveNetworkPoliciesProps) {
    super(scope, id);
    // The agents of every track: another track's pods are another component (workload/labels.ts), with the same rights.
    const workloads: Record<StoreClient, k8s.LabelSelector> = {
      agents: componentsSelector(AGENT_COMPONENTS),
      gateway: { matchLabels: selectorLabels('gateway') },
      bridge: { matchLabels: selectorLabels('bridge') },
    };
    const running = (client: StoreClient) => client !== 'bridge' || props.bridge === true;
    const stores = { redis: props.redis, postgres: props.postgres };
    const policy = (name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, name, {
        metadata: { name, namespace: props.namespace, labels: hiveLabels('network') },
        spec,
      });
    const fromNamespace = (name: string): k8s.NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });

    policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

    policy('allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [DNS_PEER], ports: [port(53, 'UDP'), port(53, 'TCP')] }],
    });

    for (const client of (['agents', 'gateway', 'bridge'] as const).filter(running)) {
      const used = (Object.keys(stores) as Array<keyof typeof stores>).filter((store) => STORE_CLIENTS[store].includes(client));
      policy(`${client}-to-data-stores`, {
        podSelector: workloads[client],
        policyTypes: ['Egress'],
        egress: used.map((store) => ({ to: [storePeer(stores[store])], ports: [port(stores[store].port)] })),
      });
    }

    for (const [name, store] of Object.entries(stores) as Array<[keyof typeof stores, StoreEndpoint]>) {
      if (store.kind !== 'in-cluster') continue;
      const clients = STORE_CLIENTS[name].filter(running);
      policy(`${name}-from-${clients.join('-and-')}`, {
        podSelector: { matchLabels: selectorLabels(store.component) },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              ...clients.map((client) => ({ podSelector: workloads[client] })),
              ...(name === 'redis' && props.kedaNamespace ? [fromNamespace(props.kedaNamespace)] : []),
            ],
            ports: [port(store.port)],
          },
        ],
      });
    }

    // A rule with no peers would admit everyone: with no client namespace there is no rule at all.
    if (props.gatewayClientNamespaces.length > 0) {
      policy('gateway-from-clients', {
        podSelector: workloads.gateway,
        policyTypes: ['Ingress'],
        ingress: [{ from: props.gatewayClientNamespaces.map(fromNamespace), ports: [port(GATEWAY_PORT)] }],
      });
    }

    policy('metrics-from-monitoring', {
      // Every runtime process serves its metrics on the same port: the agents, the gateway and the bridge.
      podSelector: componentsSelector([...AGENT_COMPONENTS, 'gateway', ...(props.bridge ? (['bridge'] as const) : [])]),
      policyTypes: ['Ingress'],
      ingress: [{ from: [fromNamespace(props.monitoringNamespace)], ports: [port(METRICS_PORT)] }],
    });

    if (props.egress === 'cidr') {
      policy('agents-to-llm-api', {
        podSelector: workloads.agents,
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }], ports: [port(443)] }],
      });
    } else {
      this.ciliumLlmEgress(props);
    }
  }

  /** HTTPS to the LLM API host alone, by name. */
  private ciliumLlmEgress(props: HiveNetworkPoliciesProps): void {
    new ApiObject(this, 'agents-to-llm-api', {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'agents-to-llm-api', namespace: props.namespace, labels: hiveLabels('network') },
      spec: {
        endpointSelector: componentsSelector(AGENT_COMPONENTS),
        egress: [
          CILIUM_DNS_VISIBILITY,
          {
            toFQDNs: [{ matchName: props.llmApiHost }],
            toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
          },
        ],
      },
    });
  }
}

function port(number: number, protocol: 'TCP' | 'UDP' = 'TCP'): k8s.NetworkPolicyPort {
  return { port: k8s.IntOrString.fromNumber(number), protocol };
}

function storePeer(store: StoreEndpoint): k8s.NetworkPolicyPeer {
  return store.kind === 'in-cluster'
    ? { podSelector: { matchLabels: selectorLabels(store.component) } }
    : { ipBlock: { cidr: store.cidr } };
}
