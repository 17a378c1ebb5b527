import { App } from 'cdk8s';
import { AnnotationMetadataEntryType, Testing } from 'cdktf';
import { AwsPlatformStack, ClusterAccessPath, KubernetesPlatform, PlatformConsistency, PlatformNames, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { expectValidTerraform, resourcesOf } from '../util';
import { smallSpec, validationErrorOf } from './fixtures';

const GATEWAY = { ingressHosts: ['llm.example.com'], tlsCredentialName: 'llm-example-com-tls', externalTlsCredential: true };

function synth(spec: PlatformSpec): { stack: AwsPlatformStack; config: any; warnings: string[] } {
  const stack = new AwsPlatformStack(Testing.app(), 'acme', { spec });
  const config = expectValidTerraform(Testing.synth(stack));
  const warnings = stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
  return { stack, config, warnings };
}

function problemsOf(spec: PlatformSpec): string {
  return validationErrorOf(() => PlatformSpecValidator.validate(spec)).message;
}

describe('access path (issue 13 point 8)', () => {
  test('the broken variant: a private-only cluster with no declared access path still synthesizes, with a warning naming the fix', () => {
    const { config, warnings, stack } = synth(smallSpec());
    expect(resourcesOf(config, 'aws_eks_cluster').acme_llm_dev.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect(resourcesOf(config, 'aws_instance')).toEqual({});
    expect(stack.adminHost).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^cluster\.accessPath: the API endpoint of acme-llm-dev is private and no access path is declared/);
    expect(warnings[0]).toContain('ClusterAccessPath.ADMIN_HOST');
  });

  test('ADMIN_HOST: a Session Manager host, the SSM endpoints, no public endpoint, no warning', () => {
    const { config, warnings, stack } = synth(smallSpec({ cluster: { accessPath: ClusterAccessPath.ADMIN_HOST } }));
    expect(warnings).toEqual([]);
    expect(stack.adminHost?.name).toBe('acme-llm-dev-admin');
    const instance = resourcesOf(config, 'aws_instance').acme_llm_dev_admin;
    expect(instance).toMatchObject({ instance_type: 't3.small', associate_public_ip_address: false, metadata_options: { http_tokens: 'required', http_put_response_hop_limit: 1 } });
    const endpoints = resourcesOf(config, 'aws_vpc_endpoint');
    for (const service of ['ssm', 'ssmmessages', 'ec2messages', 'ecr.api', 'eks']) expect(endpoints[`acme_llm_dev_${service.replace('.', '_')}`]).toBeDefined();
    expect(resourcesOf(config, 'aws_eks_cluster').acme_llm_dev.vpc_config.endpoint_public_access).toBe(false);
    expect(resourcesOf(config, 'aws_eks_access_entry').acme_llm_dev_admin_host).toBeUndefined();
  });

  test('ADMIN_HOST with cluster-admin for the host role and another instance type', () => {
    const { config } = synth(smallSpec({ cluster: { accessPath: ClusterAccessPath.ADMIN_HOST, adminHost: { instanceType: 't3.medium', clusterAdmin: true } } }));
    expect(resourcesOf(config, 'aws_instance').acme_llm_dev_admin.instance_type).toBe('t3.medium');
    expect(resourcesOf(config, 'aws_eks_access_policy_association').acme_llm_dev_admin_host.policy_arn).toMatch(/AmazonEKSClusterAdminPolicy$/);
  });

  test('publicAccessCidrs alone still means the allow-listed public endpoint (existing specs stay valid, no warning)', () => {
    const { config, warnings } = synth(smallSpec({ cluster: { publicAccessCidrs: ['203.0.113.0/24'] } }));
    expect(warnings).toEqual([]);
    expect(resourcesOf(config, 'aws_eks_cluster').acme_llm_dev.vpc_config).toMatchObject({ endpoint_public_access: true, public_access_cidrs: ['203.0.113.0/24'] });
    expect(resourcesOf(config, 'aws_vpc_endpoint').acme_llm_dev_ssmmessages).toBeUndefined();
  });

  test('PRIVATE_NETWORK: nothing created, no warning', () => {
    const { config, warnings } = synth(smallSpec({ cluster: { accessPath: ClusterAccessPath.PRIVATE_NETWORK } }));
    expect(warnings).toEqual([]);
    expect(resourcesOf(config, 'aws_instance')).toEqual({});
  });

  test('inconsistent access specs fail validation naming the spec path', () => {
    expect(problemsOf(smallSpec({ cluster: { accessPath: ClusterAccessPath.PUBLIC_ENDPOINT } })))
      .toContain("'cluster.accessPath' is public-endpoint but no publicAccessCidrs are listed, got 'public-endpoint'; list the operator and CI CIDRs");
    expect(problemsOf(smallSpec({ cluster: { accessPath: ClusterAccessPath.PRIVATE_NETWORK, publicAccessCidrs: ['203.0.113.0/24'] } })))
      .toContain("'cluster.accessPath' is private-network but publicAccessCidrs open a public endpoint");
    expect(problemsOf(smallSpec({ cluster: { adminHost: { instanceType: 't3.small' } } })))
      .toContain("'cluster.adminHost' is set but cluster.accessPath is not admin-host, got nothing; set 'cluster.accessPath' to ClusterAccessPath.ADMIN_HOST");
    expect(problemsOf(smallSpec({ cluster: { accessPath: ClusterAccessPath.ADMIN_HOST, adminHost: { instanceType: 'big' } } })))
      .toContain("'cluster.adminHost.instanceType' must be an EC2 instance type '<family>.<size>', got 'big'");
    expect(problemsOf(smallSpec({ cluster: { accessPath: 'vpn' as ClusterAccessPath } }))).toContain("'cluster.accessPath' must be a ClusterAccessPath, got 'vpn'");
  });
});

describe('AWS Load Balancer Controller identity (issue 13 point 8)', () => {
  test('no ingress gateway: no controller role by default', () => {
    expect(new PlatformNames(smallSpec()).loadBalancerController).toBeUndefined();
    const { config, stack } = synth(smallSpec());
    expect(stack.loadBalancerController).toBeUndefined();
    expect(resourcesOf(config, 'aws_iam_role').acme_llm_dev_aws_load_balancer_controller).toBeUndefined();
  });

  test('with an ingress gateway: the Pod Identity role for kube-system/aws-load-balancer-controller, named as PlatformNames says', () => {
    const spec = smallSpec({ mesh: GATEWAY });
    const names = new PlatformNames(spec);
    expect(names.loadBalancerController).toEqual({
      namespace: 'kube-system',
      serviceAccount: 'aws-load-balancer-controller',
      roleName: 'acme-llm-dev-aws-load-balancer-controller',
      purpose: 'AWS Load Balancer Controller',
      readPrefixes: [],
      writePrefixes: [],
      pullsImages: false,
      remoteWrites: false,
    });
    expect(names.identities.map((i) => i.serviceAccount)).not.toContain('aws-load-balancer-controller');
    const { config, stack } = synth(spec);
    expect(stack.loadBalancerController?.roleName).toBe(names.loadBalancerController!.roleName);
    expect(resourcesOf(config, 'aws_eks_pod_identity_association').acme_llm_dev_aws_load_balancer_controller)
      .toMatchObject({ namespace: 'kube-system', service_account: 'aws-load-balancer-controller' });
    expect(resourcesOf(config, 'aws_iam_role_policy').acme_llm_dev_aws_load_balancer_controller.name).toBe('aws-load-balancer-controller-v3.5.0');
  });

  test("both sides agree: the controller's Application creates the ServiceAccount the association names", () => {
    const spec = smallSpec({ mesh: GATEWAY });
    const terraform = synth(spec).config;
    const objects = new KubernetesPlatform(new App(), 'k8s', { spec }).manifests().map((m) => m.resource);
    const problems = PlatformConsistency.verify(terraform, objects);
    expect(problems.filter((p) => p.prop.includes('aws-load-balancer-controller'))).toEqual([]);
    // the broken variant: the association names a ServiceAccount no add-on creates
    terraform.resource.aws_eks_pod_identity_association.acme_llm_dev_aws_load_balancer_controller.service_account = 'lbc';
    expect(PlatformConsistency.verify(terraform, objects).map((p) => p.prop)).toContain('terraform.aws_eks_pod_identity_association[kube-system/lbc]');
  });

  test('the switch: on without a gateway; off with a gateway is refused', () => {
    const { config } = synth(smallSpec({ cluster: { loadBalancerController: true } }));
    expect(resourcesOf(config, 'aws_iam_role').acme_llm_dev_aws_load_balancer_controller).toBeDefined();
    expect(problemsOf(smallSpec({ cluster: { loadBalancerController: false }, mesh: GATEWAY })))
      .toContain("'cluster.loadBalancerController' is false but the mesh's ingress gateway needs the controller for its NLB, got false");
    expect(new PlatformNames(smallSpec({ cluster: { loadBalancerController: false } })).loadBalancerController).toBeUndefined();
  });
});

describe('node monitoring agent (issue 13 point 6)', () => {
  test('installed with the GPU pools, after compute', () => {
    const { config } = synth(smallSpec());
    const agent = resourcesOf(config, 'aws_eks_addon').acme_llm_dev_eks_node_monitoring_agent;
    expect(agent.addon_version).toBe('v1.4.0-eksbuild.2');
    expect(agent.depends_on).toContain('aws_eks_node_group.acme_llm_dev_system');
    expect(resourcesOf(config, 'aws_eks_node_group').acme_llm_dev_a10g.node_repair_config).toMatchObject({ enabled: true });
  });
});
