/**
 * The Sigstore policy-controller add-on (issue 15): the pinned chart, its images, its values, and the vendored
 * render the twin admits its pods from.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PlatformAddon } from '../../src/gitops';

const CONTEXT = { environment: 'prod', server: 'https://kubernetes.default.svc' };
const bind = (a: PlatformAddon) => a.bind(undefined as any, CONTEXT);
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const DIGEST = `sha256:${'b'.repeat(64)}`;

describe('PlatformAddon.sigstorePolicyController', () => {
  test('defaults: chart 0.10.6 into cosign-system, CRDs it provides, restricted namespace, two webhook replicas, no-match allow', () => {
    const c = bind(PlatformAddon.sigstorePolicyController());
    expect(c).toMatchObject({
      name: 'sigstore-policy-controller',
      releaseName: 'policy-controller',
      chart: 'policy-controller',
      version: '0.10.6',
      namespace: 'cosign-system',
      wave: 10,
      preserveResourcesOnDeletion: true,
      providesCrds: ['clusterimagepolicies.policy.sigstore.dev', 'trustroots.policy.sigstore.dev'],
      namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
    });
    expect(c.repository.url).toBe('https://sigstore.github.io/helm-charts');
    expect(c.clusterResources!.map((k) => k.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    expect(c.values!.installCRDs).toBe(true);
    expect(c.values!.webhook.replicaCount).toBe(2);
    expect(c.values!.webhook.configData).toEqual({ 'no-match-policy': 'allow' });
    expect(c.values!.webhook.securityContext).toEqual({ enabled: true, runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    for (const container of [c.values!.webhook.podSecurityContext, c.values!.leasescleanup.podSecurityContext]) {
      expect(container).toEqual({
        enabled: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 65532,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
  });

  test('options: replicas and no-match policy; bad values are refused', () => {
    const c = bind(PlatformAddon.sigstorePolicyController({ replicas: 3, noMatchPolicy: 'deny' }));
    expect([c.values!.webhook.replicaCount, c.values!.webhook.configData['no-match-policy']]).toEqual([3, 'deny']);
    expect(() => PlatformAddon.sigstorePolicyController({ replicas: 0 })).toThrow("'replicas' must be a positive integer, got 0");
    expect(() => PlatformAddon.sigstorePolicyController({ noMatchPolicy: 'audit' })).toThrow("'noMatchPolicy' must be 'allow', 'warn' or 'deny', got 'audit'");
  });

  test('images: the webhook by digest (chart `version: sha256:...`), the lease cleanup hook as tag@digest', () => {
    expect(PlatformAddon.imagesOf('sigstore-policy-controller')).toEqual([
      {
        name: 'policy-controller',
        upstream: 'ghcr.io/sigstore/policy-controller/policy-controller:v0.13.1@sha256:0bcd60beb93f4427c29cf3a669743caf58490e98ded4380c33c09f092734a6ab',
        reference: undefined,
        valuesPaths: ['webhook.image.repository', 'webhook.image.version'],
      },
      { name: 'kubectl', upstream: 'cgr.dev/chainguard/kubectl:latest-dev', reference: undefined, valuesPaths: ['leasescleanup.image.repository', 'leasescleanup.image.version'] },
    ]);
    const c = bind(PlatformAddon.sigstorePolicyController({ images: { 'policy-controller': `${ECR}/mirror/policy-controller@${DIGEST}`, 'kubectl': `${ECR}/mirror/kubectl@${DIGEST}` } }));
    expect(c.values!.webhook.image).toEqual({ repository: `${ECR}/mirror/policy-controller`, version: DIGEST });
    expect(c.values!.leasescleanup.image).toEqual({ repository: `${ECR}/mirror/kubectl`, version: `latest-dev@${DIGEST}` });
    expect(() => PlatformAddon.sigstorePolicyController({ images: { 'policy-controller': `${ECR}/mirror/policy-controller:v0.13.1` } }))
      .toThrow("'images.policy-controller' must be a reference pinned by digest");
  });

  test('the vendored render (twin): webhook pods non-root under restricted, four webhook configurations selecting opted-in namespaces', () => {
    const file = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'addons', 'policy-controller-0.10.6.json');
    const render = JSON.parse(fs.readFileSync(file, 'utf-8')).renders[0];
    expect([render.releaseName, render.namespace]).toEqual(['policy-controller', 'cosign-system']);
    const webhook = render.workloads.find((w: any) => w.kind === 'Deployment');
    expect(webhook.name).toBe('policy-controller-webhook');
    expect(webhook.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(webhook.template.spec.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    expect(render.webhookConfigurations.map((w: any) => w.metadata.name).sort()).toEqual([
      'defaulting.clusterimagepolicy.sigstore.dev', 'policy.sigstore.dev', 'policy.sigstore.dev', 'validating.clusterimagepolicy.sigstore.dev',
    ]);
    const pods = render.webhookConfigurations.filter((w: any) => w.metadata.name === 'policy.sigstore.dev');
    for (const cfg of pods) {
      expect(cfg.webhooks[0].namespaceSelector).toEqual({ matchExpressions: [{ key: 'policy.sigstore.dev/include', operator: 'In', values: ['true'] }] });
    }
    expect(render.crds.map((c: any) => `${c.metadata.name} ${c.spec.scope}`).sort()).toEqual(['clusterimagepolicies.policy.sigstore.dev Cluster', 'trustroots.policy.sigstore.dev Cluster']);
    // the served v1beta1 the platform renders
    expect(render.crds[0].spec.versions.find((v: any) => v.name === 'v1beta1').served).toBe(true);
  });

  test('schemas/crds holds the chart\'s ClusterImagePolicy CRD (policy-controller v0.13.1 config/, the release namespace filled in)', () => {
    const root = path.join(__dirname, '..', '..', 'schemas');
    const chart = fs.readFileSync(path.join(root, 'upstream', 'charts', 'policy-controller-0.10.6', 'templates', 'crds', 'clusterimagepolicy.yaml'), 'utf-8');
    const crd = fs.readFileSync(path.join(root, 'crds', 'sigstore-policy-controller', 'policy.sigstore.dev_clusterimagepolicies.yaml'), 'utf-8');
    expect(chart.replace('{{ .Release.Namespace }}', 'cosign-system')).toBe(crd);
  });
});
