/**
 * The IAM ARN shapes the library accepts from users (internal). IAM role and user ARNs are
 * `arn:<partition>:iam::<12-digit account>:(role|user)/<path and name>`, the path and name made of
 * alphanumerics and `+=,.@_-` with `/` between path segments (IAM User Guide, "IAM identifiers" > ARNs, and
 * the `RoleName`/`Path` patterns of the IAM API's CreateRole). Assumed-role session ARNs
 * (`arn:aws:sts::...:assumed-role/...`) are not role ARNs and do not match.
 */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

/** An IAM role or user ARN. */
export const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user)\/[\w+=,.@/-]+$/;

/** The account of an IAM role ARN, or undefined when `arn` is not one. */
export function roleAccount(arn: string): string | undefined {
  return IAM_ROLE_ARN.exec(arn)?.[1];
}

/**
 * The AWS partition of a region (`aws`, `aws-cn` for cn-*, `aws-us-gov` for us-gov-*), for ARNs written where no
 * Terraform data source can resolve them (Kubernetes objects).
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
