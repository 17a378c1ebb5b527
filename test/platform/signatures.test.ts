/**
 * `policy.signatures` (issue 15): image signatures verified with every engine set (Kyverno verifyImages where
 * Kyverno runs, the Sigstore policy-controller add-on and ClusterImagePolicies where it does not), weights verified
 * before serving, bad input named by its spec path.
 */
import { App } from 'cdk8s';
import { Testing } from 'cdktf';
import { spec as signedModels } from '../../examples/signed-models/platform';
import { PlatformAddon } from '../../src/gitops';
import { ServingImages, WeightVerification } from '../../src/k8s';
import { AwsPlatformStack, KubernetesPlatform, PlatformConsistency, PlatformNames, PlatformSpec, PlatformSpecValidator, SignaturesSpec } from '../../src/platform';
import { PolicyEngine, SignatureEngine } from '../../src/policy';
import { expectValidManifests, findObject, findObjects } from '../util';
import { DIGEST, REGISTRY, smallSpec, validationErrorOf } from './fixtures';

const GITHUB = 'https://token.actions.githubusercontent.com';
const SIGNATURES: SignaturesSpec = {
  images: [
    { name: 'models', imageReferences: [`${REGISTRY}/acme-llm/*`], keyless: { issuer: GITHUB, subjectRegExp: '^https://github\\.com/acme/.+$' } },
    { name: 'kms', imageReferences: [`${REGISTRY}/internal/*`], kmsKey: 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
  ],
  weights: WeightVerification.keyless({
    certificateIdentity: 'https://github.com/acme/models/.github/workflows/sign.yaml@refs/heads/main',
    certificateOidcIssuer: GITHUB,
    cosignImage: `${REGISTRY}/mirror/cosign${DIGEST}`,
    checksumImage: `${REGISTRY}/mirror/aws-cli${DIGEST}`,
  }),
};

/** `signatures: null` leaves `policy.signatures` out. */
function specWith(engines: PolicyEngine[] | undefined, signatures: SignaturesSpec | null = SIGNATURES): PlatformSpec {
  const base = smallSpec();
  return { ...base, policy: { ...base.policy, engines, signatures: signatures ?? undefined } };
}

function build(spec: PlatformSpec) {
  const platform = new KubernetesPlatform(new App(), 'acme', { spec });
  const manifests = platform.manifests();
  return { platform, manifests, objects: manifests.map((m) => m.resource) };
}

const webhookFlows = (p: KubernetesPlatform) => Number(/admission webhook: (\d+)\/\d+ allowed/.exec(p.twin().flows.summary.join('\n'))?.[1] ?? 0);
const verifyClusterPolicies = (objects: any[]) => findObjects(objects, 'ClusterPolicy').filter((o) => o.metadata.name.startsWith('llm-verify-images-'));
const addonApp = (objects: any[]) => objects.find((o) => o.kind === 'Application' && o.metadata.name === 'dev-sigstore-policy-controller');
const ns = (objects: any[], name: string) => findObject(objects, 'Namespace', name);

describe('VAP only: the Sigstore policy-controller verifies', () => {
  const { platform, manifests, objects } = build(specWith(undefined));

  test('one ClusterImagePolicy per entry in the policies component, schema-valid; no Kyverno', () => {
    expect(findObjects(objects, 'ClusterImagePolicy').map((o) => o.metadata.name).sort()).toEqual(['llm-verify-images-kms', 'llm-verify-images-models']);
    expect(manifests.find((m) => m.resource.kind === 'ClusterImagePolicy')!.path).toBe('dev/policies/ClusterImagePolicy.llm-verify-images-kms.k8s.yaml');
    expect(verifyClusterPolicies(objects)).toEqual([]);
    expect(objects.some((o) => o.kind === 'Application' && o.metadata.name === 'dev-kyverno')).toBe(false);
    expectValidManifests(objects);
  });

  test('the add-on: pinned chart, mirrored images, non-root, installs before the policies that need its CRD', () => {
    const app = addonApp(objects);
    expect(app.spec.source).toMatchObject({ repoURL: 'https://sigstore.github.io/helm-charts', chart: 'policy-controller', targetRevision: '0.10.6' });
    expect(app.spec.destination.namespace).toBe('cosign-system');
    const values = app.spec.source.helm.valuesObject;
    expect(values.webhook.image).toEqual({ repository: `${REGISTRY}/mirror/sigstore-policy-controller/policy-controller`, version: DIGEST.slice(1) });
    expect(values.leasescleanup.image).toEqual({ repository: `${REGISTRY}/mirror/sigstore-policy-controller/kubectl`, version: `latest-dev${DIGEST}` });
    expect(values.webhook.securityContext).toMatchObject({ enabled: true, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(values.webhook.podSecurityContext).toMatchObject({ enabled: true, runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(values.webhook.configData).toEqual({ 'no-match-policy': 'allow' });
    expect(values.webhook.replicaCount).toBe(2);
    // its CRD is installed before the policies component applies the ClusterImagePolicies
    const wave = (name: string) => Number(objects.find((o) => o.kind === 'Application' && o.metadata.name === name).metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('dev-sigstore-policy-controller')).toBeLessThan(wave('dev-policies'));
  });

  test('tenant namespaces opt in (policy.sigstore.dev/include), the platform\'s own do not', () => {
    expect(ns(objects, 'search').metadata.labels['policy.sigstore.dev/include']).toBe('true');
    for (const o of findObjects(objects, 'Namespace').filter((n) => n.metadata.name !== 'search')) {
      expect([o.metadata.name, o.metadata.labels?.['policy.sigstore.dev/include']]).toEqual([o.metadata.name, undefined]);
    }
  });

  test('the AppProject admits the ClusterImagePolicies (cluster-scoped)', () => {
    const project = findObjects(objects, 'AppProject').find((p) => JSON.stringify(p.spec.clusterResourceWhitelist ?? []).includes('policy.sigstore.dev'));
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'policy.sigstore.dev', kind: 'ClusterImagePolicy' });
  });

  test('synth checks pass; the twin admits the policy-controller\'s pods and counts its four webhook configurations', () => {
    expect(platform.verify(manifests)).toEqual([]);
    expect(platform.twin().problems).toEqual([]);
    const without = build(specWith(undefined, {})).platform;
    expect(webhookFlows(platform) - webhookFlows(without)).toBe(4);
    expect(platform.twin().bootstrap.summary.join('\n')).toContain('prod-sigstore-policy-controller'.replace('prod', 'dev'));
  });
});

describe('Gatekeeper only: the Sigstore policy-controller verifies', () => {
  const { platform, objects } = build(specWith([PolicyEngine.GATEKEEPER]));

  test('ClusterImagePolicies and the add-on, tenant namespaces labelled', () => {
    expect(findObjects(objects, 'ClusterImagePolicy')).toHaveLength(2);
    expect(verifyClusterPolicies(objects)).toEqual([]);
    expect(addonApp(objects)).toBeDefined();
    expect(ns(objects, 'search').metadata.labels['policy.sigstore.dev/include']).toBe('true');
    expectValidManifests(objects.filter((o) => !String(o.apiVersion).startsWith('constraints.gatekeeper.sh/')));
  });

  test('the twin has nothing to say about signature verification (Gatekeeper\'s own chart is not vendored: its problems are not this)', () => {
    const related = platform.twin().problems.filter((p) => /sigstore|cosign|ClusterImagePolicy|policy-controller/.test(JSON.stringify(p)));
    expect(related).toEqual([]);
  });
});

describe('Kyverno only: Kyverno verifyImages', () => {
  const { platform, manifests, objects } = build(specWith([PolicyEngine.KYVERNO]));

  test('one verifyImages ClusterPolicy per entry (keyless with Rekor, KMS key), no policy-controller, no namespace label', () => {
    expect(verifyClusterPolicies(objects).map((o) => o.metadata.name).sort()).toEqual(['llm-verify-images-kms', 'llm-verify-images-models']);
    expect(findObject(objects, 'ClusterPolicy', 'llm-verify-images-kms').spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.kms)
      .toBe(SIGNATURES.images![1].kmsKey);
    expect(findObjects(objects, 'ClusterImagePolicy')).toEqual([]);
    expect(addonApp(objects)).toBeUndefined();
    expect(ns(objects, 'search').metadata.labels['policy.sigstore.dev/include']).toBeUndefined();
    expectValidManifests(objects);
  });

  test('synth checks and the twin pass', () => {
    expect(platform.verify(manifests)).toEqual([]);
  });

  test('imageEngine SIGSTORE_POLICY_CONTROLLER moves verification to the policy-controller even with Kyverno', () => {
    const chosen = build({ ...specWith([PolicyEngine.KYVERNO], { ...SIGNATURES, imageEngine: SignatureEngine.SIGSTORE_POLICY_CONTROLLER }) }).objects;
    expect(findObjects(chosen, 'ClusterImagePolicy')).toHaveLength(2);
    expect(verifyClusterPolicies(chosen)).toEqual([]);
    expect(addonApp(chosen)).toBeDefined();
  });
});

describe('weights', () => {
  test.each([
    ['VAP only', undefined], ['Gatekeeper only', [PolicyEngine.GATEKEEPER]], ['Kyverno only', [PolicyEngine.KYVERNO]],
  ])('%s: the model verifies its weights with cosign verify-blob before serving', (_name, engines) => {
    const { objects } = build(specWith(engines as PolicyEngine[] | undefined));
    const init = findObject(objects, 'Deployment', 'llama3-8b-stable').spec.template.spec.initContainers;
    const verify = init.find((c: any) => c.name === 'verify-signature');
    expect(verify.image).toBe(`${REGISTRY}/mirror/cosign${DIGEST}`);
    expect(verify.args).toEqual(expect.arrayContaining(['verify-blob', '--certificate-identity', 'https://github.com/acme/models/.github/workflows/sign.yaml@refs/heads/main',
      '--certificate-oidc-issuer', GITHUB]));
    expect(init.map((c: any) => c.name)).toContain('verify-checksums');
  });

  test('weights verified with the default cosign and checksum images (outside the platform registry) are refused, naming the spec path', () => {
    const weights = WeightVerification.publicKey({ publicKey: { secretName: 'cosign-public-key', key: 'cosign.pub' } });
    expect([weights.cosignImage, weights.checksumImage]).toEqual([ServingImages.COSIGN, ServingImages.AWS_CLI]);
    const problems = validationErrorOf(() => PlatformSpecValidator.validate(specWith(undefined, { weights }))).problems.map((p: any) => `${p.prop}: ${p.problem}`);
    expect(problems).toEqual([
      'policy.signatures.weights.cosignImage: must come from an allowed registry (policy LLM-IMG-003)',
      'policy.signatures.weights.checksumImage: must come from an allowed registry (policy LLM-IMG-003)',
    ]);
    const unpinned = WeightVerification.keyless({ certificateIdentity: 'me', certificateOidcIssuer: GITHUB, cosignImage: `${REGISTRY}/mirror/cosign:v2.4.3`, checksumImage: `${REGISTRY}/mirror/aws-cli${DIGEST}` });
    expect(validationErrorOf(() => PlatformSpecValidator.validate(specWith(undefined, { weights: unpinned }))).problems.map((p: any) => p.prop))
      .toEqual(['policy.signatures.weights.cosignImage']);
  });

  test('no signatures: no verification init containers, no ClusterImagePolicy, no add-on', () => {
    const { objects } = build(specWith(undefined, null));
    const init = findObject(objects, 'Deployment', 'llama3-8b-stable').spec.template.spec.initContainers;
    expect(init.map((c: any) => c.name)).not.toContain('verify-signature');
    expect(findObjects(objects, 'ClusterImagePolicy')).toEqual([]);
    expect(addonApp(objects)).toBeUndefined();
  });
});

describe('policy.signatures validation names the spec path', () => {
  const problemsOf = (signatures: any, engines?: PolicyEngine[]) =>
    validationErrorOf(() => PlatformSpecValidator.validate(specWith(engines, signatures))).problems.map((p: any) => `${p.prop}: ${p.problem}`);

  test.each([
    ['no identity nor key', { images: [{ name: 'x', imageReferences: [`${REGISTRY}/*`] }] }, 'policy.signatures.images[0].keyless: or publicKey or kmsKey is required (no identity nor key)'],
    ['issuer not https', { images: [{ name: 'x', imageReferences: [`${REGISTRY}/*`], keyless: { issuer: 'http://issuer.example.com', subject: 's' } }] },
      'policy.signatures.images[0].keyless.issuer: must be an https URL (the OIDC issuer in the Fulcio certificate)'],
    ['bad glob', { images: [{ name: 'x', imageReferences: [`${REGISTRY}/*`, `${REGISTRY}/model?`], kmsKey: 'awskms:///k' }] },
      "policy.signatures.images[0].imageReferences[1]: must be an image pattern of lowercase letters, digits, '-_:/.@' and '*' (any characters), without '**', '?' or brackets"],
    ['bad name', { images: [{ name: 'Bad', imageReferences: [`${REGISTRY}/*`], kmsKey: 'awskms:///k' }] }, 'policy.signatures.images[0].name: '],
    ['duplicate names', { images: [{ name: 'x', imageReferences: ['a.io/*'], kmsKey: 'awskms:///k' }, { name: 'x', imageReferences: ['b.io/*'], kmsKey: 'awskms:///k' }] },
      'policy.signatures.images[1].name: repeats the name of policy.signatures.images[0]'],
    ['Kyverno engine without Kyverno', { images: [], imageEngine: SignatureEngine.KYVERNO },
      "policy.signatures.imageEngine: is Kyverno but 'policy.engines' does not include Kyverno"],
    ['unknown engine', { imageEngine: 'notary' }, 'policy.signatures.imageEngine: must be a SignatureEngine'],
    ['weights not a WeightVerification', { weights: { certificateIdentity: 'x' } }, 'policy.signatures.weights: must be a WeightVerification'],
  ])('%s', (_what, signatures, message) => {
    expect(problemsOf(signatures).some((p: string) => p.startsWith(message))).toBe(true);
  });

  test('KubernetesPlatform refuses the same input before building anything', () => {
    const spec = specWith([PolicyEngine.GATEKEEPER], { images: [{ name: 'x', imageReferences: [`${REGISTRY}/*`], keyless: { issuer: 'http://issuer.example.com', subject: 's' } }] });
    expect(() => new KubernetesPlatform(new App(), 'acme', { spec })).toThrow(/'policy\.signatures\.images\[0\]\.keyless\.issuer' must be an https URL/);
  });

  test('valid signatures pass the validator with every engine set', () => {
    for (const engines of [undefined, [PolicyEngine.GATEKEEPER], [PolicyEngine.KYVERNO]]) {
      expect(() => PlatformSpecValidator.validate(specWith(engines))).not.toThrow();
    }
  });
});

describe('the signed-models example (VAP only, images and weights signed)', () => {
  test('synthesizes with no synth-check or twin problem; its add-on images are mirrored', () => {
    const { platform, manifests, objects } = build(signedModels);
    expect(platform.verify(manifests)).toEqual([]);
    expect(findObject(objects, 'ClusterImagePolicy', 'llm-verify-images-models').spec.mode).toBe('enforce');
    for (const i of PlatformAddon.imagesOf('sigstore-policy-controller')) expect(signedModels.images!.addons![`sigstore-policy-controller/${i.name}`]).toBeDefined();
  });
});

describe('the verifier reads signatures with its own Pod Identity (AWS side)', () => {
  function awsOf(spec: PlatformSpec): any {
    return JSON.parse(Testing.synth(new AwsPlatformStack(Testing.app(), 'acme', { spec })));
  }

  test.each([
    ['Kyverno', [PolicyEngine.KYVERNO], 'kyverno', 'kyverno-admission-controller'],
    ['the Sigstore policy-controller', undefined, 'cosign-system', 'policy-controller-webhook'],
  ])('%s: a Pod Identity association for its ServiceAccount, ECR pulls from the platform registry, the KMS keys\' public halves', (_name, engines, namespace, serviceAccount) => {
    const spec = specWith(engines as PolicyEngine[] | undefined);
    const names = new PlatformNames(spec);
    expect(names.signatureVerifier).toMatchObject({ namespace, serviceAccount });
    expect(names.identities.map((i) => `${i.namespace}/${i.serviceAccount}`)).not.toContain(`${namespace}/${serviceAccount}`);
    const tf = awsOf(spec);
    const association = Object.values<any>(tf.resource.aws_eks_pod_identity_association).find((a) => a.service_account === serviceAccount);
    expect(association).toMatchObject({ namespace });
    const statements = Object.values<any>(tf.resource.aws_iam_role_policy).filter((p) => String(p.role).includes(names.signatureVerifier!.roleName.replace(/[-.]/g, '_')) || p.name?.includes?.(names.signatureVerifier!.roleName))
      .flatMap((p) => JSON.parse(p.policy).Statement);
    expect(statements.flatMap((st: any) => st.Action)).toEqual(expect.arrayContaining(['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'kms:GetPublicKey']));
    expect(statements.find((st: any) => ([] as string[]).concat(st.Action).includes('kms:GetPublicKey')).Resource)
      .toEqual(['arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab']);
    // both sides agree: the chart creates the ServiceAccount the association names
    expect(PlatformConsistency.verify(tf, build(spec).objects)).toEqual([]);
  });

  test('no image signatures: no verifier role', () => {
    const spec = specWith([PolicyEngine.KYVERNO], null);
    expect(new PlatformNames(spec).signatureVerifier).toBeUndefined();
    const tf = awsOf(spec);
    expect(Object.values<any>(tf.resource.aws_eks_pod_identity_association).map((a) => a.service_account)).not.toContain('kyverno-admission-controller');
  });
});
