/**
 * The egress rule every CiliumNetworkPolicy with `toFQDNs` needs: Cilium learns
 * a name's addresses only from lookups its DNS proxy sees, so the policy must
 * send the pods' DNS through it (rules.dns) as well as allow it.
 */
export const CILIUM_DNS_VISIBILITY = {
  toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
  toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
};
