/**
 * Image signature verification for every engine set (issue 15): Kyverno verifyImages where Kyverno runs, the Sigstore
 * policy-controller's ClusterImagePolicy where it does not (VAP-only, Gatekeeper-only), from the same entries.
 */
import { ImageVerification, ImageVerificationProps, PolicyAction, PolicyCatalogue, PolicyEngine, PolicySet, SignatureEngine } from '../../src/policy';
import { clusterImagePolicySpec, sigstoreGlob, SIGSTORE_INCLUDE_LABEL } from '../../src/policy/private/sigstore';
import { expectValidManifests, findObject, findObjects, TestChart } from '../util';
import { ECR, synthPolicies } from './fixtures';

const PEM = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
const GITHUB = 'https://token.actions.githubusercontent.com';
const KMS = 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ENTRIES: ImageVerificationProps[] = [
  { name: 'models', imageReferences: [`${ECR}/acme-llm/*`], keyless: { issuer: GITHUB, subjectRegExp: '^https://github\\.com/acme/.+$' } },
  { name: 'vendor', imageReferences: ['nvcr.io/nvidia/*'], publicKey: PEM, rekorUrl: 'https://rekor.internal.example.com', action: PolicyAction.WARN },
  { name: 'kms', imageReferences: [`${ECR}/mirror/*`], kmsKey: KMS },
];

function render(engines: PolicyEngine[], signatureEngine?: SignatureEngine, imageVerifications: ImageVerificationProps[] = ENTRIES): any[] {
  // synthPolicies validates every object against its schema (ClusterImagePolicy against the vendored CRD)
  return synthPolicies((chart) => new PolicySet(chart, 'Policies', { rules: [PolicyCatalogue.PRIVILEGED], engines, imageVerifications, signatureEngine, today: '2026-01-01' }));
}

const verifyPolicies = (objects: any[]) => findObjects(objects, 'ClusterPolicy').filter((o) => o.metadata.name.startsWith('llm-verify-images-'));

describe('every engine set verifies image signatures (no engine set drops them)', () => {
  test.each([
    ['Kyverno only', [PolicyEngine.KYVERNO], 'ClusterPolicy'],
    ['VAP only', [PolicyEngine.VALIDATING_ADMISSION_POLICY], 'ClusterImagePolicy'],
    ['Gatekeeper only', [PolicyEngine.GATEKEEPER], 'ClusterImagePolicy'],
    ['VAP + Gatekeeper', [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.GATEKEEPER], 'ClusterImagePolicy'],
    ['VAP + Kyverno', [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO], 'ClusterPolicy'],
    ['all three', [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER], 'ClusterPolicy'],
  ])('%s: one %s per entry, schema-valid', (_name, engines, kind) => {
    const objects = render(engines as PolicyEngine[]);
    const verifying = kind === 'ClusterPolicy' ? verifyPolicies(objects) : findObjects(objects, 'ClusterImagePolicy');
    expect(verifying.map((o) => o.metadata.name).sort()).toEqual(['llm-verify-images-kms', 'llm-verify-images-models', 'llm-verify-images-vendor']);
    // never both engines for one entry
    if (kind === 'ClusterPolicy') expect(findObjects(objects, 'ClusterImagePolicy')).toEqual([]);
    else expect(verifyPolicies(objects)).toEqual([]);
  });

  test('the default signature engine: Kyverno when it runs, else the policy-controller; an explicit choice wins', () => {
    const ps = (engines: PolicyEngine[], signatureEngine?: SignatureEngine) => new PolicySet(new TestChart(), 'P', { engines, signatureEngine, imageVerifications: ENTRIES });
    expect(ps([PolicyEngine.KYVERNO]).signatureEngine).toBe(SignatureEngine.KYVERNO);
    expect(ps([PolicyEngine.VALIDATING_ADMISSION_POLICY]).signatureEngine).toBe(SignatureEngine.SIGSTORE_POLICY_CONTROLLER);
    expect(ps([PolicyEngine.GATEKEEPER]).signatureEngine).toBe(SignatureEngine.SIGSTORE_POLICY_CONTROLLER);
    const chosen = render([PolicyEngine.KYVERNO], SignatureEngine.SIGSTORE_POLICY_CONTROLLER);
    expect(findObjects(chosen, 'ClusterImagePolicy')).toHaveLength(3);
    expect(verifyPolicies(chosen)).toEqual([]);
  });

  test('signatureEngine KYVERNO without the Kyverno engine is refused, naming the fix', () => {
    expect(() => new PolicySet(new TestChart(), 'P', { engines: [PolicyEngine.GATEKEEPER], signatureEngine: SignatureEngine.KYVERNO, imageVerifications: ENTRIES }))
      .toThrow('\'signatureEngine\' is Kyverno but Kyverno is not among the engines, got ["gatekeeper"]; add PolicyEngine.KYVERNO to engines, or use SignatureEngine.SIGSTORE_POLICY_CONTROLLER (the default without Kyverno)');
    expect(() => new PolicySet(new TestChart(), 'P', { engines: [PolicyEngine.KYVERNO], signatureEngine: 'cosign' as any }))
      .toThrow(/'signatureEngine' must be a SignatureEngine, got 'cosign'/);
  });

  test('defect: a VAP-only set with verifications used to fail (only Kyverno verified); it now renders ClusterImagePolicies', () => {
    const objects = render([PolicyEngine.VALIDATING_ADMISSION_POLICY], undefined, [ENTRIES[0]]);
    expect(findObject(objects, 'ClusterImagePolicy', 'llm-verify-images-models').apiVersion).toBe('policy.sigstore.dev/v1beta1');
  });

  test('no verifications: no ClusterImagePolicy and no verify ClusterPolicy with any engine', () => {
    for (const engines of [[PolicyEngine.VALIDATING_ADMISSION_POLICY], [PolicyEngine.GATEKEEPER], [PolicyEngine.KYVERNO]]) {
      const objects = render(engines, undefined, []);
      expect(findObjects(objects, 'ClusterImagePolicy')).toEqual([]);
      expect(verifyPolicies(objects)).toEqual([]);
    }
  });
});

describe('ClusterImagePolicy rendering (policy.sigstore.dev/v1beta1)', () => {
  const objects = render([PolicyEngine.VALIDATING_ADMISSION_POLICY]);

  test('keyless: Fulcio identity (issuer + subject pattern), Rekor, enforce, globs that cross /', () => {
    const cip = findObject(objects, 'ClusterImagePolicy', 'llm-verify-images-models');
    expect(cip.metadata.namespace).toBeUndefined();
    expect(cip.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'cdk-llm-platform', 'app.kubernetes.io/component': 'policy' });
    expect(cip.spec).toEqual({
      images: [{ glob: `${ECR}/acme-llm/**` }],
      mode: 'enforce',
      authorities: [{
        name: 'models',
        keyless: { url: 'https://fulcio.sigstore.dev', identities: [{ issuer: GITHUB, subjectRegExp: '^https://github\\.com/acme/.+$' }] },
        ctlog: { url: 'https://rekor.sigstore.dev' },
      }],
    });
  });

  test('public key: inline PEM, its Rekor; WARN and AUDIT are warn mode', () => {
    const cip = findObject(objects, 'ClusterImagePolicy', 'llm-verify-images-vendor');
    expect(cip.spec).toEqual({
      images: [{ glob: 'nvcr.io/nvidia/**' }],
      mode: 'warn',
      authorities: [{ name: 'vendor', key: { data: PEM }, ctlog: { url: 'https://rekor.internal.example.com' } }],
    });
    const audit = clusterImagePolicySpec(new ImageVerification({ ...ENTRIES[1], action: PolicyAction.AUDIT }));
    expect(audit.mode).toBe('warn');
  });

  test('KMS key', () => {
    expect(findObject(objects, 'ClusterImagePolicy', 'llm-verify-images-kms').spec.authorities).toEqual([
      { name: 'kms', key: { kms: KMS }, ctlog: { url: 'https://rekor.sigstore.dev' } },
    ]);
  });

  test('globs: the spec\'s * (any characters) becomes ** (policy-controller * stops at /)', () => {
    expect(sigstoreGlob('*')).toBe('**');
    expect(sigstoreGlob(`${ECR}/models/*`)).toBe(`${ECR}/models/**`);
    expect(sigstoreGlob(`${ECR}/a/*/b:*`)).toBe(`${ECR}/a/**/b:**`);
    expect(sigstoreGlob(`${ECR}/exact@sha256:${'a'.repeat(64)}`)).toBe(`${ECR}/exact@sha256:${'a'.repeat(64)}`);
    // every rendered glob is one the policy-controller accepts (pkg/apis/glob validGlob)
    for (const cip of findObjects(objects, 'ClusterImagePolicy')) {
      for (const i of cip.spec.images) expect(i.glob).toMatch(/^[a-zA-Z0-9\-_:/*.@]+$/);
    }
  });

  test('the vendored CRD catches a broken ClusterImagePolicy (unknown field, wrong type)', () => {
    const cip = findObject(objects, 'ClusterImagePolicy', 'llm-verify-images-models');
    const broken = (edit: (o: any) => void) => {
      const copy = JSON.parse(JSON.stringify(cip));
      edit(copy);
      return copy;
    };
    expect(() => expectValidManifests([cip])).not.toThrow();
    expect(() => expectValidManifests([broken((o) => o.spec.authorities[0].keyless.identity = [])])).toThrow(/identity/);
    expect(() => expectValidManifests([broken((o) => o.spec.images = 'all')])).toThrow(/images/);
  });

  test('the namespace opt-in label is the chart\'s webhook namespaceSelector key', () => {
    expect(SIGSTORE_INCLUDE_LABEL).toBe('policy.sigstore.dev/include');
  });
});

describe('Kyverno verifyImages (Kyverno 1.18)', () => {
  const objects = render([PolicyEngine.KYVERNO]);

  test('KMS key under keys.kms, public key under keys.publicKeys, both with Rekor', () => {
    expect(findObject(objects, 'ClusterPolicy', 'llm-verify-images-kms').spec.rules[0].verifyImages[0].attestors)
      .toEqual([{ entries: [{ keys: { kms: KMS, rekor: { url: 'https://rekor.sigstore.dev' } } }] }]);
    expect(findObject(objects, 'ClusterPolicy', 'llm-verify-images-vendor').spec.rules[0].verifyImages[0].attestors)
      .toEqual([{ entries: [{ keys: { publicKeys: PEM, rekor: { url: 'https://rekor.internal.example.com' } } }] }]);
    expect(findObject(objects, 'ClusterPolicy', 'llm-verify-images-vendor').spec.rules[0].verifyImages[0].failureAction).toBe('Audit');
  });

  test('the excluded namespaces are excluded from verification as from every rule', () => {
    expect(findObject(objects, 'ClusterPolicy', 'llm-verify-images-models').spec.rules[0].exclude).toEqual({ any: [{ resources: { namespaces: ['kube-system'] } }] });
    const none = synthPolicies((chart) => new PolicySet(chart, 'P', { rules: [PolicyCatalogue.PRIVILEGED], engines: [PolicyEngine.KYVERNO], excludedNamespaces: [], imageVerifications: [ENTRIES[0]] }));
    expect(findObject(none, 'ClusterPolicy', 'llm-verify-images-models').spec.rules[0].exclude).toBeUndefined();
  });
});

describe('ImageVerification', () => {
  test('defaults: public Rekor, digest required, no mutation, enforce', () => {
    const v = new ImageVerification({ name: 'x', imageReferences: ['a.io/*'], kmsKey: KMS });
    expect([v.rekorUrl, v.requireDigest, v.mutateDigest, v.action, v.kmsKey, v.objectName]).toEqual(['https://rekor.sigstore.dev', true, false, PolicyAction.ENFORCE, KMS, 'llm-verify-images-x']);
  });

  test.each([
    ['no identity nor key', { name: 'x', imageReferences: ['a.io/*'] }, "'keyless' or publicKey or kmsKey is required (no identity nor key)"],
    ['two kinds', { name: 'x', imageReferences: ['a.io/*'], publicKey: PEM, kmsKey: KMS }, "'keyless' is exclusive with publicKey and kmsKey (several were set)"],
    ['no pattern', { name: 'x', imageReferences: [], kmsKey: KMS }, "'imageReferences' must list at least one image reference pattern"],
    ['? in a glob', { name: 'x', imageReferences: ['a.io/model?'], kmsKey: KMS }, "'imageReferences[0]' must be an image pattern"],
    ['** in a glob', { name: 'x', imageReferences: ['a.io/ok', 'a.io/**'], kmsKey: KMS }, "'imageReferences[1]' must be an image pattern"],
    ['brackets', { name: 'x', imageReferences: ['a.io/[ab]'], kmsKey: KMS }, "'imageReferences[0]' must be an image pattern"],
    ['upper case', { name: 'x', imageReferences: ['A.io/x'], kmsKey: KMS }, "'imageReferences[0]' must be an image pattern"],
    ['whitespace', { name: 'x', imageReferences: ['a.io/x y'], kmsKey: KMS }, "'imageReferences[0]' must be an image pattern"],
    ['trailing /', { name: 'x', imageReferences: ['a.io/'], kmsKey: KMS }, "'imageReferences[0]' must be an image pattern"],
    ['issuer missing', { name: 'x', imageReferences: ['a.io/*'], keyless: { subject: 's' } }, "'keyless.issuer' or issuerRegExp is required"],
    ['issuer not https', { name: 'x', imageReferences: ['a.io/*'], keyless: { issuer: 'http://issuer.example.com', subject: 's' } }, "'keyless.issuer' must be an https URL (the OIDC issuer in the Fulcio certificate), got 'http://issuer.example.com'"],
    ['issuer not a URL', { name: 'x', imageReferences: ['a.io/*'], keyless: { issuer: 'i', subject: 's' } }, "'keyless.issuer' must be an https URL"],
    ['issuer pattern not anchored to https', { name: 'x', imageReferences: ['a.io/*'], keyless: { issuerRegExp: '.*github.*', subject: 's' } }, "'keyless.issuerRegExp' must start with '^https:'"],
    ['subject missing', { name: 'x', imageReferences: ['a.io/*'], keyless: { issuer: GITHUB } }, "'keyless.subject' or subjectRegExp is required"],
    ['bad subject pattern', { name: 'x', imageReferences: ['a.io/*'], keyless: { issuer: GITHUB, subjectRegExp: '(' } }, "'keyless.subjectRegExp' is not a valid regular expression"],
    ['not PEM', { name: 'x', imageReferences: ['a.io/*'], publicKey: 'not pem' }, "'publicKey' must be a PEM public key"],
    ['bad KMS URI', { name: 'x', imageReferences: ['a.io/*'], kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/x' }, "'kmsKey' must be a cosign KMS URI, got 'arn:aws:kms:us-east-1:123456789012:key/x'; use e.g. 'awskms:///arn:aws:kms:"],
    ['Rekor over http', { name: 'x', imageReferences: ['a.io/*'], publicKey: PEM, rekorUrl: 'http://r' }, "'rekorUrl' must be an https URL"],
    ['bad action', { name: 'x', imageReferences: ['a.io/*'], publicKey: PEM, action: 'deny' }, "'action' must be a PolicyAction, got 'deny'"],
    ['bad name', { name: 'Bad_Name', imageReferences: ['a.io/*'], publicKey: PEM }, "'name'"],
  ])('%s fails', (_what, props, message) => {
    expect(() => new ImageVerification(props as any)).toThrow(message);
  });

  test('valid forms: issuer pattern anchored to https, a * alone, an exact digest', () => {
    expect(() => new ImageVerification({ name: 'x', imageReferences: ['*', `${ECR}/m@sha256:${'a'.repeat(64)}`], keyless: { issuerRegExp: '^https://token\\.actions\\.githubusercontent\\.com$', subject: 'me@example.com' } })).not.toThrow();
  });

  test('in a PolicySet the error carries the construct path', () => {
    expect(() => new PolicySet(new TestChart(), 'P', { imageVerifications: [{ name: 'x', imageReferences: ['a.io/*'] }] }))
      .toThrow(/P: 'keyless' or publicKey or kmsKey is required/);
  });
});
