import { AwsProvider, AwsProviderDefaultTags } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Token } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * The `default_tags` of the stack's default AwsProvider (no alias), merged in order; tags the provider
 * only knows at apply time (tokens) are left out (internal).
 *
 * The provider applies `default_tags` to the resources Terraform manages (here the launch template
 * itself); the instances, volumes and network interfaces an EKS node group's Auto Scaling group launches
 * are created by AWS, tagged only by the launch template's `tag_specifications` (EKS user guide, "Tagging
 * Amazon EC2 instances" of managed node group launch templates). So node pools copy the default tags
 * there, and cost-allocation tags reach instances and volumes.
 */
export function providerDefaultTags(scope: IConstruct): { [key: string]: string } {
  const providers = TerraformStack.of(scope).node.findAll()
    .filter((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
  if (providers.length !== 1) return {};
  const blocks = providers[0].defaultTags;
  if (blocks === undefined || Token.isUnresolved(blocks) || !Array.isArray(blocks)) return {};
  const out: { [key: string]: string } = {};
  for (const block of blocks as AwsProviderDefaultTags[]) {
    for (const [key, value] of Object.entries(block.tags ?? {})) {
      if (!Token.isUnresolved(key) && typeof value === 'string') out[key] = value;
    }
  }
  return out;
}
