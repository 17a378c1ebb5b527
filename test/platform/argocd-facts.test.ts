/**
 * The Argo CD facts the fleet relies on, against the files vendored from argoproj/argo-cd v3.5.1
 * (schemas/upstream/argocd/SOURCES.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { Testing } from 'cdktf';
import { registeredFleetSpec } from './fixtures';
import { AwsFleet, Fleet, KubernetesFleet } from '../../src/platform';
import { ARGOCD_CLUSTER_CLIENTS, ARGOCD_NAMESPACE, ARGOCD_SERVICE_ACCOUNTS, PROGRESSIVE_SYNCS_PARAM } from '../../src/platform/private/argocd-install';
import { resourcesOf } from '../util';

const UPSTREAM = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'argocd');
const read = (file: string) => fs.readFileSync(path.join(UPSTREAM, file), 'utf8');
/** The fenced JSON blocks of a Markdown file, parsed. */
const jsonBlocks = (md: string) => [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));

describe('Argo CD v3.5.1 facts (vendored)', () => {
  const fleet = new Fleet(registeredFleetSpec());
  const all = new KubernetesFleet(new App(), 'fleet', { fleet }).manifests().map((m) => m.resource);

  test("the install's ServiceAccounts", () => {
    expect(ARGOCD_SERVICE_ACCOUNTS).toEqual(JSON.parse(read('install-serviceaccounts.json')));
  });

  test('progressive syncs: the argocd-cmd-params-cm key we write is the one the docs name; RollingSync steps match labels', () => {
    const docs = read('Progressive-Syncs.md');
    expect(docs).toContain(`Set \`${PROGRESSIVE_SYNCS_PARAM}: "true"\` in the Argo CD \`argocd-cmd-params-cm\` ConfigMap`);
    expect(docs).toContain('RollingSync will force all generated Applications to have autosync disabled');
    const params = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-cmd-params-cm');
    expect(params.data).toEqual({ [PROGRESSIVE_SYNCS_PARAM]: 'true' });
    const set = all.find((o) => o.kind === 'ApplicationSet');
    expect(set.spec.template.spec.syncPolicy.automated).toBeUndefined();
  });

  test('EKS: the cluster Secret config is the documented awsAuthConfig + tlsClientConfig shape', () => {
    const docs = read('declarative-setup-EKS.md');
    const example = /config: \|\n([\s\S]*?)\n```/.exec(docs)![1];
    const documented = JSON.parse(example);
    const secret = all.find((o) => o.kind === 'Secret' && o.metadata.name === 'cluster-staging');
    const config = JSON.parse(secret.stringData.config);
    expect(Object.keys(config).sort()).toEqual(Object.keys(documented).sort());
    expect(Object.keys(config.awsAuthConfig).sort()).toEqual(Object.keys(documented.awsAuthConfig).sort());
    expect(Object.keys(config.tlsClientConfig).sort()).toEqual(Object.keys(documented.tlsClientConfig).sort());
    expect(secret.metadata.labels['argocd.argoproj.io/secret-type']).toBe('cluster');
  });

  test('EKS: the management role, its Pod Identity and its permissions; the cluster roles and their access entries, as documented', () => {
    const docs = read('declarative-setup-EKS.md');
    const blocks = jsonBlocks(docs);
    // "for Pod Identity" trust policy of the management role: its ServiceAccounts and namespace
    const trust = blocks.find((b) => b.Statement?.[0]?.Principal?.Service === 'pods.eks.amazonaws.com');
    expect([...trust.Statement[0].Condition.StringEquals['aws:RequestTag/kubernetes-service-account']].sort()).toEqual([...ARGOCD_CLUSTER_CLIENTS].sort());
    expect(trust.Statement[0].Condition.StringEquals['aws:RequestTag/kubernetes-namespace']).toEqual([ARGOCD_NAMESPACE]);
    // "for Pod Identity" permission policy (assume each cluster role) and cluster role trust (the management role)
    const permission = blocks.find((b) => !Array.isArray(b.Statement) && Array.isArray(b.Statement?.Action));
    const clusterTrust = blocks
      .filter((b) => Array.isArray(b.Statement) && b.Statement[0]?.Principal?.AWS && Array.isArray(b.Statement[0].Action))
      .pop();
    expect(docs).toContain('--policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy');
    expect(docs).toContain('--access-scope type=cluster');

    const aws = new AwsFleet(Testing.app(), 'aws', { fleet });
    const hub = JSON.parse(Testing.synth(aws.stackOf('prod-us-east-1')));
    const associations = Object.values<any>(resourcesOf(hub, 'aws_eks_pod_identity_association')).filter((a) => a.namespace === ARGOCD_NAMESPACE);
    expect(associations.map((a) => a.service_account).sort()).toEqual([...ARGOCD_CLUSTER_CLIENTS].sort());
    const grants = Object.values<any>(resourcesOf(hub, 'aws_iam_role_policy')).find((p) => p.role.includes('argocd_hub'));
    expect([...JSON.parse(grants.policy).Statement[0].Action].sort()).toEqual([...permission.Statement.Action].sort());
    const staging = JSON.parse(Testing.synth(aws.stackOf('staging')));
    const spoke = Object.values<any>(resourcesOf(staging, 'aws_iam_role')).find((r) => /argocd-spoke$/.test(r.name));
    expect([...JSON.parse(spoke.assume_role_policy).Statement[0].Action].sort()).toEqual([...clusterTrust.Statement[0].Action].sort());
    const access = Object.values<any>(resourcesOf(staging, 'aws_eks_access_policy_association')).find((a) => a.principal_arn.includes('argocd_hub'));
    expect(access.policy_arn).toMatch(/:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy$/);
    expect(access.access_scope).toEqual({ type: 'cluster' });
  });
});
