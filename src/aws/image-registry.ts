import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRegistryPolicy } from '@cdktf/provider-aws/lib/ecr-registry-policy';
import { EcrRegistryScanningConfiguration } from '@cdktf/provider-aws/lib/ecr-registry-scanning-configuration';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { IAwsRole } from './pod-identity-role';
import { ProblemCollector, ValidationError } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { ManagedKey } from './private/kms';
import { PolicyDocuments } from './private/policy';
import { escapeTags } from './private/terraform-escape';
import { partitionOf } from '../core/private/iam-arns';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * ECR repositories roles can pull from.
 */
export interface IImageRegistry {
  /** Repository names. */
  readonly repositoryNames: string[];
  /**
   * Allow `role` to pull from `repositories` (their ARNs only; plus `ecr:GetAuthorizationToken`, which
   * has no resource-level permissions). Without `repositories`, every repository of the registry.
   */
  grantPull(role: IAwsRole, repositories?: string[]): void;
}

/**
 * Repositories of a registry another stack manages.
 */
export interface ExistingRepositoriesAttributes {
  /** The registry's account. */
  readonly accountId: string;
  /**
   * The registry's region.
   *
   * @default - the region of the stack's AwsProvider
   */
  readonly region?: string;
  /** The repositories. */
  readonly repositories: string[];
}

/**
 * Props for `ImageRegistry`.
 */
export interface ImageRegistryProps {
  /** Repository names, e.g. `['llm/vllm', 'llm/gateway']`. */
  readonly repositories: string[];
  /**
   * Name used for the KMS key alias and Terraform ids.
   *
   * @default - the first path segment of the first repository
   */
  readonly name?: string;
  /**
   * The region (registry URLs).
   *
   * @default - the region of the stack's AwsProvider
   */
  readonly region?: string;
  /**
   * The account id (registry URLs known at synth time).
   *
   * @default - the stack's AwsProvider's only allowed account id, else a token
   */
  readonly accountId?: string;
  /**
   * Turn on Amazon Inspector enhanced scanning (continuous) for these repositories. The registry
   * scanning configuration is one per account and region: enable it from one ImageRegistry only.
   *
   * @default false (basic scan on push)
   */
  readonly enhancedScanning?: boolean;
  /**
   * Days before untagged images expire.
   *
   * @default 14
   */
  readonly untaggedImageExpiryDays?: number;
  /**
   * Images kept per repository (the oldest beyond this expire).
   *
   * @default 200
   */
  readonly maxImageCount?: number;
  /**
   * IAM roles or users that administer the repositories' KMS key besides the account root (key
   * administration only).
   *
   * @default - the account root only (through IAM policies)
   */
  readonly keyAdminPrincipalArns?: string[];
  /**
   * Accounts whose registries replicate into these repositories (their `RegistryReplication`): the registry's
   * permissions policy (`aws_ecr_registry_policy`, one per account and region: this registry's only one) lets each
   * `ecr:ReplicateImage` into these repositories, nothing else; without `ecr:CreateRepository`, replication never
   * creates a repository without this registry's encryption, immutable tags and scanning (ECR User Guide, "Private
   * registry permissions" and "Private image replication"). Replication within one account needs none.
   *
   * @default - none (no registry policy)
   */
  readonly replicationSourceAccountIds?: string[];
  /**
   * `prevent_destroy` on repositories and the KMS key.
   *
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * ECR repositories for serving images: immutable tags (a tag always means the same digest), scan on
 * push (Inspector enhanced scanning when enabled), KMS encryption with a dedicated key, a lifecycle
 * policy for untagged and old images, `prevent_destroy`. The key is administered by the account root
 * (and `keyAdminPrincipalArns`) and usable only through ECR by principals of this account, including the
 * grant ECR creates for each repository (the policy of the AWS managed key aws/ecr: "Allow access
 * through Amazon ECR for all principals in the account that are authorized to use Amazon ECR").
 * `grantPull(role, repositories)` scopes pulls to the named repositories' ARNs.
 */
export class ImageRegistry extends Construct implements IImageRegistry {
  /**
   * Repositories another stack created (another platform of the same account and region: ECR has one registry per
   * account and region), to grant pulls on. Pulls need no key permission: ECR decrypts with the grant it holds on the
   * repositories' key (ECR User Guide, "Encryption at rest").
   *
   * @param scope the scope (for errors)
   * @param attrs the registry's account, region and repositories
   */
  public static fromRepositories(scope: Construct, attrs: ExistingRepositoriesAttributes): IImageRegistry {
    checkArgs('aws.ImageRegistry#fromRepositories', [scope, attrs], scope);
    const problems = new ProblemCollector(scope);
    problems.check(/^\d{12}$/.test(attrs.accountId), 'accountId', 'must be a 12-digit AWS account id', attrs.accountId, "use e.g. '123456789012'");
    problems.check(attrs.repositories.length > 0, 'repositories', 'must list at least one repository', attrs.repositories, "add e.g. 'llm/vllm'");
    problems.throwIfAny();
    for (const r of attrs.repositories) AwsNames.validate('ecrRepository', 'repositories', r, scope);
    const region = AwsEnvironment.region(scope, attrs.region);
    const names = [...new Set(attrs.repositories)].sort();
    const arnOf = (r: string) => `arn:${partitionOf(region)}:ecr:${region}:${attrs.accountId}:repository/${r}`;
    return {
      repositoryNames: names,
      grantPull(role: IAwsRole, repositories?: string[]): void {
        checkArgs('aws.ImageRegistry#grantPull', [role, repositories], scope);
        const wanted = repositories === undefined ? names : [...new Set(repositories)].sort();
        const unknown = wanted.filter((r) => !names.includes(r));
        if (wanted.length === 0 || unknown.length > 0) {
          throw new ValidationError('repositories', wanted.length === 0 ? 'must name at least one repository to pull from' : 'names repositories that are not in this registry',
            wanted.length === 0 ? repositories : unknown, `use some of ${names.join(', ')}`, scope);
        }
        role.addToPolicy({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] });
        role.addToPolicy({ actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], resources: wanted.map(arnOf) });
      },
    };
  }

  public readonly repositoryNames: string[];
  /** The registry host, `<account>.dkr.ecr.<region>.amazonaws.com` (a token when the account is unknown). */
  public readonly registryUrl: string;
  /** Repository URLs by name. */
  public readonly repositoryUrls: { [name: string]: string };
  /** The KMS key ARN (a token). */
  public readonly kmsKeyArn: string;
  /** The region. */
  public readonly region: string;
  /** Whether enhanced scanning is on. */
  public readonly enhancedScanning: boolean;

  private readonly repositoryArns: { [name: string]: string };

  constructor(scope: Construct, id: string, props: ImageRegistryProps) {
    super(scope, id);
    checkProps('aws.ImageRegistryProps', props, 'props', this);
    const problems = new ProblemCollector(this);
    problems.check(Array.isArray(props.repositories) && props.repositories.length > 0, 'repositories', 'must list at least one repository', props.repositories,
      "add e.g. 'llm/vllm'");
    problems.throwIfAny();
    for (const name of props.repositories) AwsNames.validate('ecrRepository', 'repositories', name, this);
    const dup = props.repositories.find((r, i) => props.repositories.indexOf(r) !== i);
    // two repositories of one name would be one aws_ecr_repository twice (issue 17): say it instead of merging
    problems.check(dup === undefined, 'repositories', `lists '${dup}' twice`, props.repositories, 'list each repository once');
    problems.throwIfAny();
    this.repositoryNames = [...new Set(props.repositories)].sort();
    const untaggedDays = props.untaggedImageExpiryDays ?? 14;
    const maxImages = props.maxImageCount ?? 200;
    problems.check(Number.isInteger(untaggedDays) && untaggedDays >= 1, 'untaggedImageExpiryDays', 'must be a positive whole number', untaggedDays, 'use e.g. 14');
    problems.check(Number.isInteger(maxImages) && maxImages >= 1, 'maxImageCount', 'must be a positive whole number', maxImages, 'use e.g. 200');
    problems.throwIfAny();
    this.region = AwsEnvironment.region(this, props.region);
    const env = AwsEnvironment.of(this);
    const account = props.accountId ?? AwsEnvironment.literalAccountId(this) ?? env.accountId;
    if (props.accountId !== undefined && !/^\d{12}$/.test(props.accountId)) {
      throw new ValidationError('accountId', 'must be a 12-digit AWS account id', props.accountId, "use e.g. '123456789012'", this);
    }
    this.registryUrl = `${account}.dkr.ecr.${this.region}.amazonaws.com`;
    this.enhancedScanning = props.enhancedScanning ?? false;
    const preventDestroy = props.preventDestroy ?? true;
    const name = props.name ?? this.repositoryNames[0].split('/')[0];
    AwsNames.validate('ecrRepository', 'name', name, this);

    const key = new ManagedKey(this, 'Key', {
      name: `${name}-ecr`,
      description: `ECR repositories ${this.repositoryNames.join(', ')}`.slice(0, 8192),
      preventDestroy,
      tags: escapeTags(props.tags),
      region: this.region,
      adminPrincipalArns: props.keyAdminPrincipalArns,
      adminPrincipalArnsProp: 'keyAdminPrincipalArns',
      viaServices: ['ecr'],
      grantsForAwsResources: true,
    });
    this.kmsKeyArn = key.arn;

    const lifecycle = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: `Expire untagged images after ${untaggedDays} days`,
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedDays },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: `Keep the newest ${maxImages} images`,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: maxImages },
          action: { type: 'expire' },
        },
      ],
    });

    this.repositoryUrls = {};
    this.repositoryArns = {};
    for (const repoName of this.repositoryNames) {
      const repo = AwsNames.stable(new EcrRepository(this, `Repository-${repoName}`, {
        name: repoName,
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: key.arn }],
        forceDelete: false,
        tags: escapeTags(props.tags),
        lifecycle: preventDestroy ? { preventDestroy: true } : undefined,
      }), 'aws_ecr_repository', [repoName], 'repositories');
      AwsNames.stable(new EcrLifecyclePolicy(this, `Lifecycle-${repoName}`, { repository: repo.name, policy: lifecycle }),
        'aws_ecr_lifecycle_policy', [repoName], 'repositories');
      this.repositoryUrls[repoName] = `${this.registryUrl}/${repoName}`;
      this.repositoryArns[repoName] = repo.arn;
    }

    (props.replicationSourceAccountIds ?? []).forEach((a, i) => {
      if (!problems.check(/^\d{12}$/.test(a), `replicationSourceAccountIds[${i}]`, 'must be a 12-digit AWS account id', a, "use e.g. '111122223333'")) return;
      problems.check(Token.isUnresolved(account) || a !== account, `replicationSourceAccountIds[${i}]`, "is the registry's own account: replication within an account needs no registry policy",
        a, 'list other accounts only');
    });
    problems.throwIfAny();
    const sources = [...new Set(props.replicationSourceAccountIds ?? [])].sort();
    if (sources.length > 0) {
      AwsNames.stable(new EcrRegistryPolicy(this, 'ReplicationPolicy', {
        policy: PolicyDocuments.json([{
          Sid: 'ReplicationFromOtherAccounts',
          Effect: 'Allow',
          Principal: { AWS: sources.map((a) => `arn:${partitionOf(this.region)}:iam::${a}:root`) },
          Action: ['ecr:ReplicateImage'],
          Resource: this.repositoryNames.map((r) => `arn:${partitionOf(this.region)}:ecr:${this.region}:${account}:repository/${r}`),
        }]),
      }), 'aws_ecr_registry_policy', [name], 'name');
    }

    if (this.enhancedScanning) {
      AwsNames.stable(new EcrRegistryScanningConfiguration(this, 'Scanning', {
        scanType: 'ENHANCED',
        rule: [{
          scanFrequency: 'CONTINUOUS_SCAN',
          repositoryFilter: this.repositoryNames.map((filter) => ({ filter, filterType: 'WILDCARD' })),
        }],
      }), 'aws_ecr_registry_scanning_configuration', [name], 'name');
    }
  }

  /** The URL of one repository. */
  public repositoryUrl(repository: string): string {
    checkArgs('aws.ImageRegistry#repositoryUrl', [repository], this);
    const url = this.repositoryUrls[repository];
    if (!url) {
      throw new ValidationError('repository', 'is not a repository of this registry', repository, `use one of ${this.repositoryNames.join(', ')}`, this);
    }
    return url;
  }

  public grantPull(role: IAwsRole, repositories?: string[]): void {
    checkArgs('aws.ImageRegistry#grantPull', [role, repositories], this);
    const names = repositories === undefined ? this.repositoryNames : [...new Set(repositories)].sort();
    if (names.length === 0) {
      throw new ValidationError('repositories', 'must name at least one repository to pull from', repositories,
        `name the repositories the workload's images are in, e.g. ['${this.repositoryNames[0]}']`, this);
    }
    const unknown = names.filter((n) => this.repositoryArns[n] === undefined);
    if (unknown.length > 0) {
      throw new ValidationError('repositories', 'names repositories that are not in this registry', unknown,
        `use some of ${this.repositoryNames.join(', ')}, or add the repository to the registry`, this);
    }
    // ECR private registry auth: GetAuthorizationToken takes no resource (ECR User Guide, "Private
    // repository policies" / "Amazon ECR identity-based policy examples"); image reads are per repository.
    role.addToPolicy({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] });
    role.addToPolicy({ actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], resources: names.map((n) => this.repositoryArns[n]) });
    role.addToPolicy({ actions: ['kms:Decrypt'], resources: [this.kmsKeyArn], conditions: { StringEquals: { 'kms:ViaService': `ecr.${this.region}.amazonaws.com` } } });
  }
}
