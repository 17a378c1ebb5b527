import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** Whether `region` is an AWS region code (`us-east-1`, `us-gov-west-1`). */
export function isAwsRegion(region: unknown): boolean {
  return typeof region === 'string' && REGION.test(region);
}
const ENV_ID = 'LlmPlatformAwsEnvironment';

/**
 * Per-stack account, partition and region lookups shared by every construct of the layer (internal).
 *
 * Account and partition come from `aws_caller_identity` / `aws_partition` data sources (one each per
 * stack, stable ids `current`); the region is a plain value (from the construct's `region` prop or the
 * stack's `AwsProvider`) so names and endpoints derived from it are known at synth time.
 */
export class AwsEnvironment extends Construct {
  /**
   * The stack's shared lookups.
   */
  public static of(scope: IConstruct): AwsEnvironment {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild(ENV_ID);
    return existing ? (existing as AwsEnvironment) : new AwsEnvironment(stack, ENV_ID);
  }

  /**
   * The region for `scope`: `region` when given, else the region of the stack's only AwsProvider.
   */
  public static region(scope: IConstruct, region?: string): string {
    if (region !== undefined) {
      if (!Token.isUnresolved(region) && !REGION.test(region)) {
        throw new ValidationError('region', 'must be an AWS region code', region, "use e.g. 'us-east-1'", scope);
      }
      return region;
    }
    const providers = TerraformStack.of(scope).node.findAll().filter((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
    const fromProvider = providers.length === 1 ? providers[0].region : undefined;
    if (fromProvider === undefined || Token.isUnresolved(fromProvider)) {
      throw new ValidationError('region', 'cannot be determined: pass it or configure exactly one default AwsProvider with a literal region', region,
        "set 'region' (e.g. 'us-east-1') so names and endpoints are known at synth time", scope);
    }
    return AwsEnvironment.region(scope, fromProvider);
  }

  /**
   * The stack's AWS account id when it is known at synth time (the default AwsProvider's only allowed
   * account), else undefined.
   */
  public static literalAccountId(scope: IConstruct): string | undefined {
    const providers = TerraformStack.of(scope).node.findAll().filter((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
    const ids = providers.length === 1 ? providers[0].allowedAccountIds : undefined;
    return ids && !Token.isUnresolved(ids) && ids.length === 1 && /^\d{12}$/.test(ids[0]) ? ids[0] : undefined;
  }

  /**
   * Whether the stack's default AwsProvider uses FIPS endpoints.
   */
  public static providerUsesFips(scope: IConstruct): boolean {
    const providers = TerraformStack.of(scope).node.findAll().filter((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
    return providers.length === 1 && providers[0].useFipsEndpoint === true;
  }

  private readonly identity: DataAwsCallerIdentity;
  private readonly partitionData: DataAwsPartition;
  // The attribute tokens, made once: each read of a cdktf attribute makes a new token (and captures a stack trace).
  private accountIdToken?: string;
  private partitionToken?: string;
  private dnsSuffixToken?: string;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.identity = new DataAwsCallerIdentity(this, 'CallerIdentity');
    this.identity.overrideLogicalId('current');
    this.partitionData = new DataAwsPartition(this, 'Partition');
    this.partitionData.overrideLogicalId('current');
  }

  /** The account id (a token). */
  public get accountId(): string {
    return (this.accountIdToken ??= this.identity.accountId);
  }

  /** The partition (`aws`, `aws-cn`, `aws-us-gov`; a token). */
  public get partition(): string {
    return (this.partitionToken ??= this.partitionData.partition);
  }

  /** The DNS suffix of the partition (`amazonaws.com`; a token). */
  public get dnsSuffix(): string {
    return (this.dnsSuffixToken ??= this.partitionData.dnsSuffix);
  }

  /** `arn:<partition>:iam::aws:policy/<name>`. */
  public managedPolicyArn(name: string): string {
    return `arn:${this.partition}:iam::aws:policy/${name}`;
  }

  /** `arn:<partition>:iam::<account>:root`. */
  public get accountRootArn(): string {
    return `arn:${this.partition}:iam::${this.accountId}:root`;
  }
}
