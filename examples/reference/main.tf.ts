/**
 * `cdktf synth` entry point: the AWS side of the reference platform.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { spec } from './platform';

export class ReferenceAwsStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const clusterName = spec.clusterName();
    new AwsProvider(this, 'aws', { region: spec.region, allowedAccountIds: [spec.accountId] });
    const subnets = new TerraformVariable(this, 'private_subnet_ids', {
      type: 'list(string)',
      description: 'Private subnets for the EKS control plane ENIs',
    });
    const key = new KmsKey(this, 'secrets_key', {
      description: `${clusterName} EKS secrets envelope encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: true },
    });
    const logs = new CloudwatchLogGroup(this, 'cluster_logs', {
      name: `/aws/eks/${clusterName}/cluster`,
      retentionInDays: 365,
      kmsKeyId: key.arn,
      lifecycle: { preventDestroy: true },
    });
    const role = new IamRole(this, 'cluster_role', {
      name: `${clusterName}-cluster`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
      }),
    });
    const policy = new IamRolePolicyAttachment(this, 'cluster_policy', {
      role: role.name,
      policyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
    });
    new EksCluster(this, 'cluster', {
      name: clusterName,
      version: spec.kubernetesVersion.version,
      roleArn: role.arn,
      vpcConfig: { subnetIds: subnets.listValue, endpointPrivateAccess: true, endpointPublicAccess: false },
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: key.arn } },
      enabledClusterLogTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      deletionProtection: true,
      dependsOn: [logs, policy],
      lifecycle: { preventDestroy: true },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new ReferenceAwsStack(app, spec.name);
  app.synth();
}
