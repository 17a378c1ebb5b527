import { App } from 'cdk8s';
import { Testing } from 'cdktf';
import { smallSpec } from './fixtures';
import { AwsPlatformStack, KubernetesPlatform, PlatformConsistency, PlatformNames } from '../../src/platform';

describe('PlatformConsistency', () => {
  const terraform = () => JSON.parse(Testing.synth(new AwsPlatformStack(Testing.app(), 'aws', { spec: smallSpec() })));
  const objects = new KubernetesPlatform(new App(), 'k8s', { spec: smallSpec() }).manifests().map((m) => m.resource);
  const clone = (o: any) => JSON.parse(JSON.stringify(o));

  test('both sides built from one spec agree', () => {
    expect(PlatformConsistency.verify(terraform(), objects)).toEqual([]);
  });

  test('an association without a ServiceAccount, and a workload reading S3 without an association', () => {
    const tf = terraform();
    tf.resource.aws_eks_pod_identity_association.acme_llm_dev_search_llama3_8b.service_account = 'llama3';
    const problems = PlatformConsistency.verify(tf, objects);
    expect(problems.map((p) => p.prop)).toEqual(expect.arrayContaining([
      'terraform.aws_eks_pod_identity_association[search/llama3]', 'Deployment search/llama3-8b-stable.serviceAccountName',
    ]));
    expect(problems.find((p) => p.prop.endsWith('serviceAccountName'))!.fix).toContain('associate an IAM role');
  });

  test("a fleet hub: Argo CD's ServiceAccounts (its upstream install) are known where the tree has Argo CD cluster Secrets", () => {
    const tf = terraform();
    tf.resource.aws_eks_pod_identity_association.hub = { cluster_name: 'acme-llm-dev', namespace: 'argocd', service_account: 'argocd-application-controller', role_arn: 'arn' };
    expect(PlatformConsistency.verify(tf, objects).map((p) => p.prop)).toEqual(['terraform.aws_eks_pod_identity_association[argocd/argocd-application-controller]']);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cluster-dev', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
      stringData: { name: 'dev', server: 'https://kubernetes.default.svc', config: '{}' },
    };
    expect(PlatformConsistency.verify(tf, [...objects, secret])).toEqual([]);
    // in another namespace than Argo CD's, the Secret makes no difference
    expect(PlatformConsistency.verify(tf, [...objects, { ...secret, metadata: { ...secret.metadata, namespace: 'other' } }])).toHaveLength(1);
  });

  test('node labels, taints and GPUs per node of every provisioner of the pool', () => {
    const tf = terraform();
    const group = tf.resource.aws_eks_node_group.acme_llm_dev_a10g;
    group.labels['llm-platform.io/accelerator'] = 'l4';
    group.taint.push({ key: 'dedicated', value: 'batch', effect: 'NO_SCHEDULE' });
    const problems = PlatformConsistency.verify(tf, objects);
    expect(problems.map((p) => `${p.prop} ${p.problem}`)).toEqual(expect.arrayContaining([
      'Deployment search/llama3-8b-stable.affinity requires node labels the managed node group a10g does not carry',
      'Deployment search/llama3-8b-stable.tolerations do not tolerate the taints of the managed node group a10g',
    ]));
  });

  test('repository, bucket and Karpenter node role names', () => {
    const tf = terraform();
    delete tf.resource.aws_ecr_repository.acme_llm_vllm;
    tf.resource.aws_s3_bucket.acme_llm_dev_models.bucket = 'other-models';
    tf.resource.aws_iam_role.acme_llm_dev_karpenter_node.name = 'other-node-role';
    const props = PlatformConsistency.verify(tf, clone(objects)).map((p) => p.prop);
    expect(props).toEqual(expect.arrayContaining([
      'Deployment search/llama3-8b-stable.image', 'Deployment search/llama3-8b-stable.fetch-weights', 'EC2NodeClass a10g.spec.role',
    ]));
  });
});

describe('PlatformNames', () => {
  test('deterministic names from name/environment, account and region', () => {
    const names = new PlatformNames(smallSpec());
    expect(names).toMatchObject({
      clusterName: 'acme-llm-dev',
      modelStoreBucket: 'acme-llm-dev-models',
      auditBucket: 'acme-llm-dev-audit',
      registryUrl: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      karpenterNodeRole: 'acme-llm-dev-karpenter-node',
      karpenterInterruptionQueue: 'acme-llm-dev-karpenter',
      repositories: ['acme-llm/vllm', 'mirror/aws-cli', 'mirror/dcgm-exporter', 'mirror/k8s-device-plugin'],
    });
    expect(names.identities).toEqual([{
      namespace: 'search',
      serviceAccount: 'llama3-8b',
      roleName: 'acme-llm-dev-search-llama3-8b',
      purpose: 'model llama3-8b',
      readPrefixes: ['models/llama3-8b/'],
      writePrefixes: [],
      pullsImages: true,
      pullRepositories: ['acme-llm/vllm', 'mirror/aws-cli'],
      remoteWrites: false,
    }]);
  });

  test('repositoryOf: only images of the platform registry, tag and digest stripped', () => {
    const names = new PlatformNames(smallSpec());
    expect(names.repositoryOf(`${names.registryUrl}/a/b:1.2@sha256:${'c'.repeat(64)}`)).toBe('a/b');
    expect(names.repositoryOf(`${names.registryUrl}:5000/a`)).toBeUndefined();
    expect(names.repositoryOf('docker.io/a/b:1')).toBeUndefined();
  });
});
