import { TerraformStack, Testing } from 'cdktf';
import { ImageRegistry } from '../../src/aws/image-registry';
import { ModelStore } from '../../src/aws/model-store';
import { PodIdentityRole, PodIdentityRoleProps } from '../../src/aws/pod-identity-role';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf } from './fixtures';

type Props = Omit<PodIdentityRoleProps, 'cluster'>;

function build(props: Partial<Props> = {}, after?: (r: PodIdentityRole) => void): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const cluster = clusterFixture(stack);
    const role = new PodIdentityRole(stack, 'Role', { cluster, namespace: 'search', serviceAccount: 'llama3-8b', ...props });
    after?.(role);
  };
}

describe('PodIdentityRole', () => {
  let role!: PodIdentityRole;
  const config = synthStack((stack) => {
    const cluster = clusterFixture(stack);
    role = new PodIdentityRole(stack, 'Role', { cluster, namespace: 'search', serviceAccount: 'llama3-8b' });
    const store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models' });
    const registry = new ImageRegistry(stack, 'Registry', { repositories: ['llm/vllm', 'llm/gateway'] });
    role.grantReadModels(store, 'models/llama3-8b/');
    role.grantPull(registry, ['llm/vllm']);
    role.grantLogWrite('arn:aws:logs:us-east-1:123456789012:log-group:/llm/search');
    role.grantRemoteWrite('arn:aws:aps:us-east-1:123456789012:workspace/ws-1234abcd');
  });
  const roleBody = resourcesOf(config, 'aws_iam_role').acme_prod_search_llama3_8b;
  const statements = JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_prod_search_llama3_8b.policy).Statement;

  test('trusted by pods.eks.amazonaws.com for AssumeRole and TagSession from this account', () => {
    expect(roleBody.name).toBe('acme-prod-search-llama3-8b');
    expect(JSON.parse(roleBody.assume_role_policy).Statement).toEqual([{
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.current.account_id}' } },
    }]);
    expect(role.roleName).toBe('acme-prod-search-llama3-8b');
  });

  test('associated with the namespace and service account', () => {
    expect(onlyResource(config, 'aws_eks_pod_identity_association')).toMatchObject({
      cluster_name: 'acme-prod',
      namespace: 'search',
      service_account: 'llama3-8b',
      role_arn: '${aws_iam_role.acme_prod_search_llama3_8b.arn}',
      // pods get credentials only once the grants exist (issue 13 point 9)
      depends_on: ['aws_eks_cluster.acme_prod', 'aws_iam_role_policy.acme_prod_search_llama3_8b'],
    });
  });

  test('the association waits for managed policy attachments too; grantDependables lists role and policies', () => {
    let managed!: PodIdentityRole;
    const cfg = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      managed = new PodIdentityRole(stack, 'Role', {
        cluster, namespace: 'kube-system', serviceAccount: 'ebs-csi-controller-sa', roleName: 'acme-prod-ebs-csi', managedPolicies: ['service-role/AmazonEBSCSIDriverPolicy'],
      });
    });
    expect(onlyResource(cfg, 'aws_eks_pod_identity_association').depends_on)
      .toEqual(['aws_eks_cluster.acme_prod', 'aws_iam_role_policy_attachment.acme_prod_ebs_csi_amazonebscsidriverpolicy']);
    expect(managed.grantDependables.map((e) => e.node.id)).toEqual(['Resource', 'Managed-service-role--AmazonEBSCSIDriverPolicy']);
    expect(role.grantDependables.map((e) => e.node.id)).toEqual(['Resource', 'Policy']);
  });

  test('model read is limited to the prefix, with KMS decrypt only via S3', () => {
    expect(statements[0]).toMatchObject({ Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: ['${aws_s3_bucket.acme_prod_models.arn}/models/llama3-8b/*'] });
    expect(statements[1]).toMatchObject({ Action: ['s3:ListBucket'], Condition: { StringLike: { 's3:prefix': ['models/llama3-8b/*'] } } });
    expect(statements[2]).toMatchObject({ Action: ['kms:Decrypt'], Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } });
  });

  test('registry pull, log write and AMP remote write', () => {
    const actions = statements.map((s: any) => s.Action.join(','));
    expect(actions).toContain('ecr:BatchCheckLayerAvailability,ecr:BatchGetImage,ecr:GetDownloadUrlForLayer');
    // Only the repository the workload's image is in, by ARN.
    expect(statements.find((s: any) => s.Action.includes('ecr:BatchGetImage')).Resource).toEqual(['${aws_ecr_repository.llm_vllm.arn}']);
    expect(actions).toContain('logs:CreateLogStream,logs:DescribeLogStreams,logs:PutLogEvents');
    expect(statements.find((s: any) => s.Action[0] === 'aps:RemoteWrite').Resource).toEqual(['arn:aws:aps:us-east-1:123456789012:workspace/ws-1234abcd']);
    expect(statements.every((s: any) => s.Effect === 'Allow' && !s.Action.includes('*'))).toBe(true);
  });

  test('no inline policy until something is granted; managed policies; association opt-out', () => {
    const bare = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      new PodIdentityRole(stack, 'Role', {
        cluster,
        namespace: 'kube-system',
        serviceAccount: 'ebs-csi-controller-sa',
        roleName: 'acme-prod-ebs-csi',
        associate: false,
        managedPolicies: ['service-role/AmazonEBSCSIDriverPolicy'],
      });
    });
    expect(Object.keys(resourcesOf(bare, 'aws_iam_role_policy'))).toEqual(['acme_prod_vpc_flow_logs']);
    expect(resourcesOf(bare, 'aws_eks_pod_identity_association')).toEqual({});
    expect(resourcesOf(bare, 'aws_iam_role_policy_attachment').acme_prod_ebs_csi_amazonebscsidriverpolicy.policy_arn)
      .toBe('arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy');
  });
});

describe('PodIdentityRole errors', () => {
  test('names violating Kubernetes or IAM naming rules', () => {
    expect(errorOf(build({ namespace: 'Search' }))).toMatch(/'namespace' must be a Kubernetes namespace or service account name, got 'Search'/);
    expect(errorOf(build({ serviceAccount: 'sa_1' }))).toMatch(/'serviceAccount' must be a Kubernetes namespace or service account name, got 'sa_1'/);
    expect(errorOf(build({ roleName: 'role with spaces' }))).toMatch(/'roleName' must be an IAM role name, got 'role with spaces'/);
  });
  test('over-broad or malformed statements', () => {
    expect(errorOf(build({}, (r) => r.addToPolicy({ actions: ['s3:*'], resources: ['arn:aws:s3:::x'] })))).toMatch(/'actions' must not grant every action of a service, got 's3:\*'/);
    expect(errorOf(build({}, (r) => r.addToPolicy({ actions: ['GetObject'], resources: ['arn:aws:s3:::x'] })))).toMatch(/'actions' must be IAM actions of the form 'service:Action'/);
    expect(errorOf(build({}, (r) => r.addToPolicy({ actions: [], resources: ['x'] })))).toMatch(/'actions' must list at least one action/);
    expect(errorOf(build({}, (r) => r.addToPolicy({ actions: ['s3:GetObject'], resources: [] })))).toMatch(/'resources' must list at least one resource ARN/);
  });
  test('bad AMP workspace ARN', () => {
    expect(errorOf(build({}, (r) => r.grantRemoteWrite('ws-1234')))).toMatch(/'workspaceArn' must be an Amazon Managed Service for Prometheus workspace ARN, got 'ws-1234'/);
  });
});
