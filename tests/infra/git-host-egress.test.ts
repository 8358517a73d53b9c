import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GitHostEgress, GitHostEgressProps } from '../../infra/constructs/namespace/git-host-egress';

const props: GitHostEgressProps = { namespace: 'hive', roles: ['developer'], gitHost: { fqdn: 'git.example.com', cidr: '10.30.4.0/24', port: 8443 }, egress: 'cidr' };
const render = (change: Partial<GitHostEgressProps>) => {
  const chart = new Chart(Testing.app(), 'test');
  new GitHostEgress(chart, 'git', { ...props, ...change });
  return chart.toJson();
};

describe('GitHostEgress', () => {
  it('allows the git host by CIDR with egress cidr and by FQDN with egress cilium-fqdn, on its port, for the given roles only', () => {
    const [policy] = render({});
    expect(policy.kind).toBe('NetworkPolicy');
    expect(policy.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.30.4.0/24' } }], ports: [{ port: 8443, protocol: 'TCP' }] }]);
    expect(policy.spec.podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/component', operator: 'In', values: ['agent', 'agent-track'] }, { key: 'agent-hive/role', operator: 'In', values: ['developer'] }]);
    const [cilium] = render({ egress: 'cilium-fqdn' });
    expect(cilium.kind).toBe('CiliumNetworkPolicy');
    expect(cilium.spec.egress[1]).toEqual({ toFQDNs: [{ matchName: 'git.example.com' }], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] });
  });

  it('refuses no role, which would select every agent, and a host not named the way the mode needs', () => {
    expect(() => render({ roles: [] })).toThrow("'roles' must name at least one role");
    expect(() => render({ gitHost: { fqdn: 'git.example.com', port: 443 } })).toThrow("'gitHost.cidr' must be set with egress cidr");
  });
});
