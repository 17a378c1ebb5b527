import { TerraformElement, TerraformStack, Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';

/**
 * An AWS naming rule: a pattern, a length range and a human description for the error message.
 */
interface NameRule {
  readonly what: string;
  readonly min: number;
  readonly max: number;
  readonly pattern: RegExp;
  readonly allowed: string;
}

/**
 * Naming rules from the AWS API references (CreateCluster, CreateNodegroup, CreateRole, CreateBucket,
 * CreateRepository, CreateTrail, CreateQueue, PutRule, CreateDeliveryStream, CreateLaunchTemplate,
 * CreateLogGroup, CreatePlacementGroup).
 */
const RULES: { [kind: string]: NameRule } = {
  eksCluster: { what: 'an EKS cluster name', min: 1, max: 100, pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/, allowed: "letters, digits, '-' and '_', starting with a letter or digit" },
  nodeGroup: { what: 'an EKS node group name', min: 1, max: 63, pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/, allowed: "letters, digits, '-' and '_', starting with a letter or digit" },
  iamRole: { what: 'an IAM role name', min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, allowed: "letters, digits and '+=,.@-_'" },
  s3Bucket: { what: 'an S3 bucket name', min: 3, max: 63, pattern: /^(?!xn--)(?!sthree-)(?!amzn-s3-demo-)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/, allowed: "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, not an IP address, no '..'" },
  ecrRepository: { what: 'an ECR repository name', min: 2, max: 256, pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, allowed: "lowercase letters, digits, '/', and single '.', '_' or '-' between them" },
  cloudTrail: { what: 'a CloudTrail trail name', min: 3, max: 128, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/, allowed: "letters, digits, '.', '_' and '-', starting and ending with a letter or digit" },
  sqsQueue: { what: 'an SQS queue name', min: 1, max: 80, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, '-' and '_'" },
  eventRule: { what: 'an EventBridge rule name', min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/, allowed: "letters, digits, '.', '-' and '_'" },
  firehose: { what: 'a Firehose stream name', min: 1, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/, allowed: "letters, digits, '.', '-' and '_'" },
  launchTemplate: { what: 'a launch template name', min: 3, max: 128, pattern: /^[a-zA-Z0-9().\-/_]+$/, allowed: "letters, digits and '().-/_'" },
  kubernetesName: { what: 'a Kubernetes namespace or service account name', min: 1, max: 63, pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, allowed: "lowercase letters, digits and '-', starting and ending with a letter or digit" },
};

const STACK_IDS = new WeakMap<TerraformStack, Map<string, string>>();

/**
 * AWS naming rules and stable Terraform logical ids (internal).
 */
export class AwsNames {
  /**
   * Throw a ValidationError unless `value` satisfies the AWS naming rule `kind`. Unresolved tokens pass.
   */
  public static validate(kind: keyof typeof RULES, prop: string, value: string, scope?: IConstruct): string {
    if (Token.isUnresolved(value)) return value;
    const rule = RULES[kind];
    const ok = typeof value === 'string' && value.length >= rule.min && value.length <= rule.max && rule.pattern.test(value)
      && !(kind === 's3Bucket' && (value.includes('..') || value.endsWith('-s3alias') || value.endsWith('--ol-s3')));
    if (!ok) {
      const length = typeof value === 'string' && (value.length < rule.min || value.length > rule.max)
        ? ` of ${rule.min} to ${rule.max} characters (is ${value.length})` : '';
      throw new ValidationError(prop, `must be ${rule.what}${length}`, value,
        `use ${rule.allowed}, ${rule.min} to ${rule.max} characters`, scope);
    }
    return value;
  }

  /**
   * Join parts with '-' and cut to `max` characters (deterministic; trailing separators trimmed).
   */
  public static join(parts: string[], max: number): string {
    return parts.filter((p) => p).join('-').slice(0, max).replace(/[-_.]+$/, '');
  }

  /**
   * A Terraform logical id from free text: lowercase, other characters turned into '_'.
   */
  public static logicalId(...parts: string[]): string {
    const id = parts.filter((p) => p).join('_').toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
    return /^[a-z_]/.test(id) ? id : `r_${id}`;
  }

  /**
   * Give a Terraform element a stable, readable logical id derived from props (not the construct path),
   * so renaming or moving a construct never replaces the resource. Throws a ValidationError when two
   * elements of the same type in one stack would get the same id (two constructs with the same name).
   */
  public static stable<T extends TerraformElement>(element: T, type: string, parts: string[], prop: string): T {
    const id = AwsNames.logicalId(...parts);
    const stack = TerraformStack.of(element);
    let ids = STACK_IDS.get(stack);
    if (!ids) {
      ids = new Map();
      STACK_IDS.set(stack, ids);
    }
    const key = `${type}.${id}`;
    const owner = ids.get(key);
    if (owner !== undefined && owner !== element.node.path) {
      throw new ValidationError(prop, `gives a name already used by ${owner} (${key})`, parts.join('-'),
        'give each construct of this kind a distinct name', element.node.scope);
    }
    ids.set(key, element.node.path);
    element.overrideLogicalId(id);
    return element;
  }

  private constructor() {}
}
