import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { EksCluster, EksClusterProps } from '../../src/aws/eks-cluster';
import { Network, NetworkProps } from '../../src/aws/network';

/** The region and account every AWS-layer test uses. */
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

/** A default AwsProvider (region and one allowed account), as an app would configure it. */
export function provider(stack: Construct, extra: { useFipsEndpoint?: boolean } = {}): AwsProvider {
  return new AwsProvider(stack, 'aws', { region: REGION, allowedAccountIds: [ACCOUNT], ...extra });
}

/** Provider + network + cluster named `acme-prod`. */
export function clusterFixture(stack: TerraformStack, props: Partial<EksClusterProps> = {}, networkProps: Partial<NetworkProps> = {}): EksCluster {
  provider(stack, { useFipsEndpoint: props.fips });
  const network = new Network(stack, 'Network', { clusterName: 'acme-prod', ...networkProps });
  return new EksCluster(stack, 'Cluster', { clusterName: 'acme-prod', network, ...props });
}

/** Run `fn` and return the ValidationError message it throws (fails when it does not throw). */
export function errorOf(fn: () => void): string {
  try {
    fn();
  } catch (e: any) {
    if (e?.name !== 'ValidationError') throw e;
    return e.message;
  }
  throw new Error('expected a ValidationError');
}
