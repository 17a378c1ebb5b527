import { TerraformStack, Testing } from 'cdktf';
import { ImageRegistry, ImageRegistryProps } from '../../src/aws/image-registry';
import { PodIdentityRole } from '../../src/aws/pod-identity-role';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf, provider } from './fixtures';

function synthRegistry(props: Partial<ImageRegistryProps> = {}): { config: any; registry: ImageRegistry } {
  let registry!: ImageRegistry;
  const config = synthStack((stack) => {
    provider(stack);
    registry = new ImageRegistry(stack, 'Registry', { repositories: ['llm/vllm', 'llm/gateway'], ...props });
  });
  return { config, registry };
}

function build(props: Partial<ImageRegistryProps> = {}): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    new ImageRegistry(stack, 'Registry', { repositories: ['llm/vllm'], ...props });
  };
}

describe('ImageRegistry defaults', () => {
  const { config, registry } = synthRegistry();
  const repos = resourcesOf(config, 'aws_ecr_repository');

  test('immutable tags, scan on push, KMS encryption, prevent_destroy, no force delete', () => {
    expect(Object.keys(repos).sort()).toEqual(['llm_gateway', 'llm_vllm']);
    expect(repos.llm_vllm).toMatchObject({
      name: 'llm/vllm',
      image_tag_mutability: 'IMMUTABLE',
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: 'KMS', kms_key: '${aws_kms_key.llm_ecr.arn}' }],
      force_delete: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(resourcesOf(config, 'aws_kms_key').llm_ecr).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(resourcesOf(config, 'aws_ecr_registry_scanning_configuration')).toEqual({});
  });

  test('lifecycle: untagged after 14 days, keep 200 images', () => {
    const policy = JSON.parse(resourcesOf(config, 'aws_ecr_lifecycle_policy').llm_vllm.policy);
    expect(policy.rules.map((r: any) => [r.rulePriority, r.selection.tagStatus, r.selection.countNumber])).toEqual([[1, 'untagged', 14], [2, 'any', 200]]);
  });

  test('plain registry and repository URLs', () => {
    expect(registry.registryUrl).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(registry.repositoryUrl('llm/vllm')).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/llm/vllm');
    expect(registry.repositoryNames).toEqual(['llm/gateway', 'llm/vllm']);
  });
});

describe('ImageRegistry key policy and pull grants', () => {
  const { config } = synthRegistry();

  test('the key: administered by the root, used only through ECR, including the grant ECR creates per repository', () => {
    const statements = JSON.parse(resourcesOf(config, 'aws_kms_key').llm_ecr.policy).Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(['KeyAdministration', 'KeyUseThroughServices', 'KeyGrantsThroughServices']);
    expect(statements[1].Condition.StringEquals['kms:ViaService']).toEqual(['ecr.us-east-1.amazonaws.com']);
    expect(statements[2]).toMatchObject({ Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'], Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
  });

  test('extra key administrators; malformed ones name the prop', () => {
    const admin = 'arn:aws:iam::123456789012:role/registry-admins';
    const statements = JSON.parse(resourcesOf(synthRegistry({ keyAdminPrincipalArns: [admin] }).config, 'aws_kms_key').llm_ecr.policy).Statement;
    expect(statements[0].Principal.AWS).toEqual(['arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root', admin]);
    expect(errorOf(build({ keyAdminPrincipalArns: ['registry-admins'] }))).toMatch(/'keyAdminPrincipalArns' must list IAM role or user ARNs, got 'registry-admins'/);
  });

  function pullStatements(repositories?: string[]): any[] {
    const cfg = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      const registry = new ImageRegistry(stack, 'Registry', { repositories: ['llm/vllm', 'llm/gateway', 'mirror/aws-cli'] });
      const role = new PodIdentityRole(stack, 'Role', { cluster, namespace: 'search', serviceAccount: 'llama3-8b' });
      registry.grantPull(role, repositories);
    });
    return JSON.parse(resourcesOf(cfg, 'aws_iam_role_policy').acme_prod_search_llama3_8b.policy).Statement;
  }

  test('a pull grant names the workload\'s repositories by ARN; only GetAuthorizationToken is on *', () => {
    const statements = pullStatements(['mirror/aws-cli', 'llm/vllm']);
    expect(statements[0]).toMatchObject({ Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] });
    expect(statements[1]).toMatchObject({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: ['${aws_ecr_repository.llm_vllm.arn}', '${aws_ecr_repository.mirror_aws_cli.arn}'],
    });
    expect(JSON.stringify(statements)).not.toContain('llm_gateway');
    expect(JSON.stringify(statements)).not.toMatch(/repository\/\*/);
  });

  test('without repositories: every repository of the registry, still by ARN', () => {
    expect(pullStatements()[1].Resource).toEqual(['${aws_ecr_repository.llm_gateway.arn}', '${aws_ecr_repository.llm_vllm.arn}', '${aws_ecr_repository.mirror_aws_cli.arn}']);
  });

  test('unknown or no repositories', () => {
    expect(errorOf(() => pullStatements(['llm/tgi', 'llm/vllm']))).toMatch(
      /'repositories' names repositories that are not in this registry, got \["llm\/tgi"\]; use some of llm\/gateway, llm\/vllm, mirror\/aws-cli, or add the repository to the registry/);
    expect(errorOf(() => pullStatements([]))).toMatch(/'repositories' must name at least one repository to pull from, got \[\]; name the repositories the workload's images are in, e.g. \['llm\/gateway'\]/);
  });
});

describe('ImageRegistry options', () => {
  test('enhanced scanning, custom lifecycle, explicit account, opt-out of prevent_destroy', () => {
    const { config, registry } = synthRegistry({ enhancedScanning: true, untaggedImageExpiryDays: 3, maxImageCount: 50, accountId: '210987654321', preventDestroy: false, name: 'serving' });
    expect(onlyResource(config, 'aws_ecr_registry_scanning_configuration')).toMatchObject({
      scan_type: 'ENHANCED', rule: [{ scan_frequency: 'CONTINUOUS_SCAN', repository_filter: [{ filter: 'llm/gateway', filter_type: 'WILDCARD' }, { filter: 'llm/vllm', filter_type: 'WILDCARD' }] }],
    });
    expect(resourcesOf(config, 'aws_ecr_repository').llm_vllm.lifecycle).toBeUndefined();
    expect(JSON.parse(resourcesOf(config, 'aws_ecr_lifecycle_policy').llm_vllm.policy).rules[1].selection.countNumber).toBe(50);
    expect(registry.registryUrl).toBe('210987654321.dkr.ecr.us-east-1.amazonaws.com');
    expect(resourcesOf(config, 'aws_kms_key').serving_ecr).toBeDefined();
  });
});

describe('ImageRegistry errors', () => {
  test('no repositories', () => {
    expect(errorOf(build({ repositories: [] }))).toMatch(/'repositories' must list at least one repository, got \[\]/);
  });
  test('repository names violating ECR naming rules', () => {
    expect(errorOf(build({ repositories: ['LLM/vLLM'] }))).toMatch(/'repositories' must be an ECR repository name, got 'LLM\/vLLM'/);
    expect(errorOf(build({ repositories: ['llm//vllm'] }))).toMatch(/'repositories' must be an ECR repository name/);
  });
  test('bad lifecycle numbers and account id', () => {
    expect(errorOf(build({ untaggedImageExpiryDays: 0 }))).toMatch(/'untaggedImageExpiryDays' must be a positive whole number, got 0/);
    expect(errorOf(build({ maxImageCount: 1.5 }))).toMatch(/'maxImageCount' must be a positive whole number, got 1.5/);
    expect(errorOf(build({ accountId: '1234' }))).toMatch(/'accountId' must be a 12-digit AWS account id, got '1234'/);
  });
  test('unknown repository URL', () => {
    const { registry } = synthRegistry();
    expect(errorOf(() => registry.repositoryUrl('llm/tgi'))).toMatch(/'repository' is not a repository of this registry, got 'llm\/tgi'; use one of llm\/gateway, llm\/vllm/);
  });
});

describe('ImageRegistry replicas from other accounts (replicationSourceAccountIds)', () => {
  test('a registry policy allowing only ecr:ReplicateImage into these repositories, from each account root', () => {
    const { config } = synthRegistry({ replicationSourceAccountIds: ['444455556666', '111122223333', '444455556666'] });
    expect(Object.keys(resourcesOf(config, 'aws_ecr_registry_policy'))).toEqual(['llm']);
    expect(JSON.parse(onlyResource(config, 'aws_ecr_registry_policy').policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'ReplicationFromOtherAccounts',
        Effect: 'Allow',
        Principal: { AWS: ['arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:root'] },
        Action: ['ecr:ReplicateImage'],
        Resource: ['arn:aws:ecr:us-east-1:123456789012:repository/llm/gateway', 'arn:aws:ecr:us-east-1:123456789012:repository/llm/vllm'],
      }],
    });
  });

  test('one account: still a list; the registry\'s account, region and name', () => {
    const { config } = synthRegistry({ replicationSourceAccountIds: ['111122223333'], accountId: '210987654321', region: 'eu-west-1', name: 'serving' });
    expect(Object.keys(resourcesOf(config, 'aws_ecr_registry_policy'))).toEqual(['serving']);
    const statement = JSON.parse(onlyResource(config, 'aws_ecr_registry_policy').policy).Statement[0];
    expect(statement.Principal).toEqual({ AWS: ['arn:aws:iam::111122223333:root'] });
    expect(statement.Resource).toEqual(['arn:aws:ecr:eu-west-1:210987654321:repository/llm/gateway', 'arn:aws:ecr:eu-west-1:210987654321:repository/llm/vllm']);
  });

  test('no registry policy by default, nor with an empty list', () => {
    expect(resourcesOf(synthRegistry().config, 'aws_ecr_registry_policy')).toEqual({});
    expect(resourcesOf(synthRegistry({ replicationSourceAccountIds: [] }).config, 'aws_ecr_registry_policy')).toEqual({});
  });

  test('a bad account id', () => {
    expect(errorOf(build({ replicationSourceAccountIds: ['1111-2222-3333'] }))).toBe(
      "test/Registry: 'replicationSourceAccountIds[0]' must be a 12-digit AWS account id, got '1111-2222-3333'; use e.g. '111122223333'");
    expect(errorOf(build({ replicationSourceAccountIds: ['111122223333', 'prod'] }))).toMatch(
      /^test\/Registry: 'replicationSourceAccountIds\[1\]' must be a 12-digit AWS account id, got 'prod'/);
  });
});

describe('ImageRegistry.fromRepositories', () => {
  const ATTRS = { accountId: '210987654321', repositories: ['llm/vllm', 'llm/gateway', 'llm/vllm'] };

  function pullStatements(attrs: Partial<Parameters<typeof ImageRegistry.fromRepositories>[1]> = {}, repositories?: string[]): any[] {
    const cfg = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      const registry = ImageRegistry.fromRepositories(stack, { ...ATTRS, ...attrs });
      const role = new PodIdentityRole(stack, 'Role', { cluster, namespace: 'search', serviceAccount: 'llama3-8b' });
      registry.grantPull(role, repositories);
    });
    return JSON.parse(resourcesOf(cfg, 'aws_iam_role_policy').acme_prod_search_llama3_8b.policy).Statement;
  }

  function withRegistry(attrs: Partial<Parameters<typeof ImageRegistry.fromRepositories>[1]>, repositories?: string[]): () => void {
    return () => {
      const stack = new TerraformStack(Testing.app(), 'test');
      const cluster = clusterFixture(stack);
      const registry = ImageRegistry.fromRepositories(stack, { ...ATTRS, ...attrs });
      const role = new PodIdentityRole(stack, 'Role', { cluster, namespace: 'search', serviceAccount: 'llama3-8b' });
      registry.grantPull(role, repositories);
    };
  }

  test('repository names, sorted and deduplicated; creates nothing', () => {
    const config = synthStack((stack) => {
      provider(stack);
      const registry = ImageRegistry.fromRepositories(stack, ATTRS);
      expect(registry.repositoryNames).toEqual(['llm/gateway', 'llm/vllm']);
    });
    expect(resourcesOf(config, 'aws_ecr_repository')).toEqual({});
    expect(resourcesOf(config, 'aws_kms_key')).toEqual({});
    expect(resourcesOf(config, 'aws_ecr_registry_policy')).toEqual({});
  });

  test('a pull grant: GetAuthorizationToken on *, pulls on the repositories\' ARNs, no key statement', () => {
    expect(pullStatements()).toEqual([
      { Sid: 'Grant0', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'Grant1',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: ['arn:aws:ecr:us-east-1:210987654321:repository/llm/gateway', 'arn:aws:ecr:us-east-1:210987654321:repository/llm/vllm'],
      },
    ]);
  });

  test('some repositories, in another region', () => {
    expect(pullStatements({ region: 'eu-west-1' }, ['llm/vllm', 'llm/vllm'])).toEqual([
      { Sid: 'Grant0', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'Grant1',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: ['arn:aws:ecr:eu-west-1:210987654321:repository/llm/vllm'],
      },
    ]);
  });

  test('a repository that is not in the registry, or none', () => {
    expect(errorOf(withRegistry({}, ['llm/tgi', 'llm/vllm']))).toBe(
      "test: 'repositories' names repositories that are not in this registry, got [\"llm/tgi\"]; use some of llm/gateway, llm/vllm");
    expect(errorOf(withRegistry({}, []))).toBe("test: 'repositories' must name at least one repository to pull from, got []; use some of llm/gateway, llm/vllm");
  });

  test('no repositories, a bad repository name, account id or region', () => {
    expect(errorOf(withRegistry({ repositories: [] }))).toBe("test: 'repositories' must list at least one repository, got []; add e.g. 'llm/vllm'");
    expect(errorOf(withRegistry({ repositories: ['LLM/vLLM'] }))).toMatch(/^test: 'repositories' must be an ECR repository name, got 'LLM\/vLLM'/);
    expect(errorOf(withRegistry({ accountId: '21098765432' }))).toBe("test: 'accountId' must be a 12-digit AWS account id, got '21098765432'; use e.g. '123456789012'");
    expect(errorOf(withRegistry({ region: 'Ireland' }))).toMatch(/^test: 'region' must be an AWS region code, got 'Ireland'/);
  });
});

describe('ImageRegistry replicationSourceAccountIds: errors at the index given', () => {
  test('a bad entry is reported at its own index; the registry\'s own account is refused', () => {
    expect(build({ replicationSourceAccountIds: ['222233334444', '1234'] })).toThrow(/'replicationSourceAccountIds\[1\]' must be a 12-digit AWS account id, got '1234'/);
    expect(build({ accountId: '123456789012', replicationSourceAccountIds: ['123456789012'] }))
      .toThrow(/'replicationSourceAccountIds\[0\]' is the registry's own account: replication within an account needs no registry policy/);
  });
});
