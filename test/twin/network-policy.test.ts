import {
  contains, evaluateNetworkPolicies, ipBlockMatches, NamespaceLabels, NpEndpoint, parseCidr, parseIp, peerMatches, policyTypes, portsMatch,
} from '../../src/twin/private/network-policy';

const nsLabels: NamespaceLabels = (name) => ({
  search: { 'kubernetes.io/metadata.name': 'search', 'tenant': 'search' },
  monitoring: { 'kubernetes.io/metadata.name': 'monitoring' },
  other: { 'kubernetes.io/metadata.name': 'other', 'tenant': 'search' },
} as Record<string, Record<string, string>>)[name];

function pod(namespace: string, labels: Record<string, string> = {}, ports: any[] = [], hostNetwork = false): NpEndpoint {
  return { kind: 'pod', namespace, labels, containers: [{ name: 'c', ports }], hostNetwork };
}

function np(namespace: string, name: string, spec: any): any {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec };
}

const model = pod('search', { app: 'model' }, [{ name: 'http', containerPort: 8000 }]);
const prom = pod('monitoring', { app: 'prometheus' });

describe('policyTypes defaulting (SetDefaults_NetworkPolicy)', () => {
  test('declared types are kept', () => {
    expect(policyTypes({ spec: { policyTypes: ['Egress'] } })).toEqual(['Egress']);
  });
  test('no types and no egress rules: Ingress only', () => {
    expect(policyTypes({ spec: {} })).toEqual(['Ingress']);
    expect(policyTypes({ spec: { egress: [] } })).toEqual(['Ingress']);
  });
  test('no types and egress rules: Ingress and Egress', () => {
    expect(policyTypes({ spec: { egress: [{}] } })).toEqual(['Ingress', 'Egress']);
  });
});

describe('isolation', () => {
  test('no policy at all: allowed both ways', () => {
    expect(evaluateNetworkPolicies([], nsLabels, { src: prom, dst: model, port: 8000, protocol: 'TCP' }).result).toBe('yes');
  });
  test('default-deny ingress isolates the destination', () => {
    const v = evaluateNetworkPolicies([np('search', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })], nsLabels,
      { src: prom, dst: model, port: 8000, protocol: 'TCP' });
    expect(v).toMatchObject({ result: 'no', side: 'ingress', policies: ['NetworkPolicy search/deny'] });
    expect(v.reason).toContain('isolated for ingress');
  });
  test('default-deny egress isolates the source and is reported first', () => {
    const v = evaluateNetworkPolicies([
      np('monitoring', 'deny', { podSelector: {}, policyTypes: ['Egress'] }),
      np('search', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
    ], nsLabels, { src: prom, dst: model, port: 8000, protocol: 'TCP' });
    expect(v).toMatchObject({ result: 'no', side: 'egress', policies: ['NetworkPolicy monitoring/deny'] });
  });
  test('a policy whose podSelector does not select the pod does not isolate it', () => {
    const v = evaluateNetworkPolicies([np('search', 'deny-other', { podSelector: { matchLabels: { app: 'x' } }, policyTypes: ['Ingress'] })], nsLabels,
      { src: prom, dst: model, port: 8000, protocol: 'TCP' });
    expect(v.result).toBe('yes');
  });
  test('a policy of another namespace does not isolate the pod', () => {
    const v = evaluateNetworkPolicies([np('other', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })], nsLabels,
      { src: prom, dst: model, port: 8000, protocol: 'TCP' });
    expect(v.result).toBe('yes');
  });
  test('policies are additive: one allowing rule among several isolating policies suffices', () => {
    const v = evaluateNetworkPolicies([
      np('search', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      np('search', 'allow-monitoring', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] }),
    ], nsLabels, { src: prom, dst: model, port: 8000, protocol: 'TCP' });
    expect(v.result).toBe('yes');
  });
  test('egress allowed and ingress denied: denied (both sides must allow)', () => {
    const v = evaluateNetworkPolicies([
      np('monitoring', 'allow-all-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }),
      np('search', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
    ], nsLabels, { src: prom, dst: model, port: 8000, protocol: 'TCP' });
    expect(v).toMatchObject({ result: 'no', side: 'ingress' });
  });
  test('host-network pods are neither isolated nor selected', () => {
    const host = pod('search', { app: 'model' }, [], true);
    const v = evaluateNetworkPolicies([np('search', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })], nsLabels,
      { src: host, dst: host, port: 80, protocol: 'TCP' });
    expect(v.result).toBe('yes');
  });
});

describe('rules', () => {
  test('an empty rule allows everything', () => {
    const v = evaluateNetworkPolicies([np('search', 'allow', { podSelector: {}, ingress: [{}] })], nsLabels,
      { src: prom, dst: model, port: 8000, protocol: 'TCP' });
    expect(v.result).toBe('yes');
  });
  test('an empty ingress list allows nothing', () => {
    const v = evaluateNetworkPolicies([np('search', 'allow', { podSelector: {}, ingress: [] })], nsLabels,
      { src: prom, dst: model, port: 8000, protocol: 'TCP' });
    expect(v.result).toBe('no');
  });
  test('a rule with peers and no ports allows every port of those peers', () => {
    const p = np('search', 'allow', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });
    expect(evaluateNetworkPolicies([p], nsLabels, { src: prom, dst: model, port: 12345, protocol: 'TCP' }).result).toBe('yes');
  });
  test('a rule with ports and no peers allows those ports from everyone', () => {
    const p = np('search', 'allow', { podSelector: {}, ingress: [{ ports: [{ port: 8000 }] }] });
    expect(evaluateNetworkPolicies([p], nsLabels, { src: prom, dst: model, port: 8000, protocol: 'TCP' }).result).toBe('yes');
    expect(evaluateNetworkPolicies([p], nsLabels, { src: prom, dst: model, port: 8001, protocol: 'TCP' }).result).toBe('no');
  });
  test('peers and ports of one rule must both match', () => {
    const p = np('search', 'allow', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 8000 }] }] });
    // podSelector alone: the policy's own namespace only.
    expect(evaluateNetworkPolicies([p], nsLabels, { src: prom, dst: model, port: 8000, protocol: 'TCP' }).result).toBe('no');
    expect(evaluateNetworkPolicies([p], nsLabels, { src: pod('search'), dst: model, port: 8000, protocol: 'TCP' }).result).toBe('yes');
  });
});

describe('peers', () => {
  test('podSelector alone selects pods of the policy namespace', () => {
    expect(peerMatches({ podSelector: { matchLabels: { app: 'model' } } }, 'search', model, nsLabels).result).toBe('yes');
    expect(peerMatches({ podSelector: { matchLabels: { app: 'model' } } }, 'other', model, nsLabels).result).toBe('no');
    expect(peerMatches({ podSelector: { matchLabels: { app: 'x' } } }, 'search', model, nsLabels).result).toBe('no');
  });
  test('namespaceSelector alone selects every pod of the matching namespaces', () => {
    expect(peerMatches({ namespaceSelector: { matchLabels: { tenant: 'search' } } }, 'x', pod('other'), nsLabels).result).toBe('yes');
    expect(peerMatches({ namespaceSelector: { matchLabels: { tenant: 'search' } } }, 'x', prom, nsLabels).result).toBe('no');
    expect(peerMatches({ namespaceSelector: {} }, 'x', prom, nsLabels).result).toBe('yes');
  });
  test('namespaceSelector and podSelector together: both must match', () => {
    const peer = { namespaceSelector: { matchLabels: { tenant: 'search' } }, podSelector: { matchLabels: { app: 'model' } } };
    expect(peerMatches(peer, 'x', model, nsLabels).result).toBe('yes');
    expect(peerMatches(peer, 'x', pod('search', { app: 'other' }), nsLabels).result).toBe('no');
    expect(peerMatches(peer, 'x', pod('monitoring', { app: 'model' }), nsLabels).result).toBe('no');
  });
  test('matchExpressions are honoured', () => {
    expect(peerMatches({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['model'] }] } }, 'search', model, nsLabels).result).toBe('yes');
    expect(peerMatches({ podSelector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] } }, 'search', model, nsLabels).result).toBe('no');
  });
  test('unknown namespace labels are unknown, not a guess', () => {
    expect(peerMatches({ namespaceSelector: { matchLabels: { a: 'b' } } }, 'x', pod('nowhere'), nsLabels).result).toBe('unknown');
  });
  test('selectors never select addresses, host-network pods, external hosts', () => {
    const peer = { namespaceSelector: {} };
    expect(peerMatches(peer, 'x', { kind: 'ip', ip: '169.254.170.23' }, nsLabels).result).toBe('no');
    expect(peerMatches(peer, 'x', { kind: 'host', scope: 'public' }, nsLabels).result).toBe('no');
    expect(peerMatches(peer, 'x', pod('search', {}, [], true), nsLabels).result).toBe('no');
  });
  test('an empty peer matches nothing', () => {
    expect(peerMatches({}, 'x', model, nsLabels).result).toBe('no');
  });
});

describe('ipBlock', () => {
  test('a known address: cidr containment and except', () => {
    const ip: NpEndpoint = { kind: 'ip', ip: '169.254.170.23' };
    expect(ipBlockMatches({ cidr: '169.254.170.23/32' }, ip).result).toBe('yes');
    expect(ipBlockMatches({ cidr: '169.254.0.0/16' }, ip).result).toBe('yes');
    expect(ipBlockMatches({ cidr: '10.0.0.0/8' }, ip).result).toBe('no');
    expect(ipBlockMatches({ cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] }, ip).result).toBe('no');
    expect(ipBlockMatches({ cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] }, ip).result).toBe('yes');
  });
  test('a public host of unknown address: only a block covering the internet matches', () => {
    const host: NpEndpoint = { kind: 'host', scope: 'public' };
    expect(ipBlockMatches({ cidr: '0.0.0.0/0' }, host).result).toBe('yes');
    expect(ipBlockMatches({ cidr: '0.0.0.0/0', except: ['169.254.169.254/32', '10.0.0.0/8'] }, host).result).toBe('yes');
    expect(ipBlockMatches({ cidr: '10.0.0.0/8' }, host).result).toBe('no');
    expect(ipBlockMatches({ cidr: '52.216.0.0/15' }, host).result).toBe('unknown');
    expect(ipBlockMatches({ cidr: '0.0.0.0/0', except: ['52.216.0.0/15'] }, host).result).toBe('unknown');
  });
  test('a pod (VPC-private IP): a block must cover every private range', () => {
    expect(ipBlockMatches({ cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] }, model).result).toBe('yes');
    expect(ipBlockMatches({ cidr: '10.0.0.0/16' }, model).result).toBe('unknown');
    expect(ipBlockMatches({ cidr: '8.8.8.8/32' }, model).result).toBe('no');
    expect(ipBlockMatches({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }, model).result).toBe('unknown');
  });
  test('IPv6 and DNS names in cidr are not modelled', () => {
    expect(ipBlockMatches({ cidr: '::/0' }, model).result).toBe('unknown');
    expect(ipBlockMatches({ cidr: 's3.amazonaws.com' }, { kind: 'host' }).result).toBe('unknown');
    expect(ipBlockMatches({ cidr: '0.0.0.0/0', except: ['fd00::/8'] }, { kind: 'ip', ip: '1.2.3.4' }).result).toBe('unknown');
  });
  test('flows to a link-local agent match ipBlock only', () => {
    const v = evaluateNetworkPolicies([
      np('search', 'deny', { podSelector: {}, policyTypes: ['Egress'] }),
      np('search', 'agent', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 80 }] }] }),
    ], nsLabels, { src: model, dst: { kind: 'ip', ip: '169.254.170.23' }, port: 80, protocol: 'TCP' });
    expect(v.result).toBe('no');
  });
});

describe('ports', () => {
  const flow = (port: number, protocol = 'TCP', dst: NpEndpoint = model) => ({ src: prom, dst, port, protocol });
  test('protocol defaults to TCP', () => {
    expect(portsMatch([{ port: 53 }], flow(53)).result).toBe('yes');
    expect(portsMatch([{ port: 53 }], flow(53, 'UDP')).result).toBe('no');
    expect(portsMatch([{ port: 53, protocol: 'UDP' }], flow(53, 'UDP')).result).toBe('yes');
  });
  test('a port entry without port matches every port of its protocol', () => {
    expect(portsMatch([{ protocol: 'TCP' }], flow(9999)).result).toBe('yes');
    expect(portsMatch([{ protocol: 'UDP' }], flow(9999)).result).toBe('no');
  });
  test('endPort makes a range', () => {
    expect(portsMatch([{ port: 8000, endPort: 8100 }], flow(8050)).result).toBe('yes');
    expect(portsMatch([{ port: 8000, endPort: 8100 }], flow(8101)).result).toBe('no');
    expect(portsMatch([{ port: 8000, endPort: 8100 }], flow(7999)).result).toBe('no');
  });
  test('named ports resolve against the destination pod', () => {
    expect(portsMatch([{ port: 'http' }], flow(8000)).result).toBe('yes');
    expect(portsMatch([{ port: 'http' }], flow(8001)).result).toBe('no');
    expect(portsMatch([{ port: 'metrics' }], flow(8000)).result).toBe('no');
    expect(portsMatch([{ port: 'http', protocol: 'UDP' }], flow(8000, 'UDP')).result).toBe('no');
  });
  test('a named port never matches an address; unknown containers are unknown', () => {
    expect(portsMatch([{ port: 'http' }], flow(80, 'TCP', { kind: 'ip', ip: '169.254.170.23' })).result).toBe('no');
    expect(portsMatch([{ port: 'http' }], flow(8000, 'TCP', { kind: 'pod', namespace: 'search', labels: {} })).result).toBe('unknown');
  });
  test('an unresolvable named port makes the verdict unknown, not a crash', () => {
    const v = evaluateNetworkPolicies([np('search', 'allow', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] })], nsLabels,
      { src: prom, dst: { kind: 'pod', namespace: 'search', labels: {} }, port: 8000, protocol: 'TCP' });
    expect(v.result).toBe('unknown');
    expect(v.reason).toContain('named port http');
  });
});

describe('IPv4 arithmetic', () => {
  test('parse and contain', () => {
    expect(parseIp('10.0.0.1')).toBe(167772161);
    expect(parseIp('256.0.0.1')).toBeUndefined();
    expect(parseIp('x')).toBeUndefined();
    expect(parseCidr('10.1.2.3/8')).toEqual({ base: 167772160, bits: 8 });
    expect(parseCidr('10.1.2.3')).toEqual({ base: parseIp('10.1.2.3'), bits: 32 });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(contains(parseCidr('0.0.0.0/0')!, parseIp('255.255.255.255')!)).toBe(true);
    expect(contains(parseCidr('192.168.0.0/16')!, parseIp('192.169.0.1')!)).toBe(false);
  });
});
