import { Size } from 'cdk8s';
import { ModelSource, WeightVerification } from '../../src/k8s/serving/model-source';
import { ServingImages } from '../../src/k8s/serving/serving-images';
import { findObject, synthChart } from '../util';
import { DIGEST, expectValidationError, model, podOf, SHA } from './fixtures';

const keyless = () => WeightVerification.keyless({
  certificateIdentity: 'https://github.com/acme/models/.github/workflows/sign.yml@refs/heads/main',
  certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
});

function pod(options: any): any {
  const objects = synthChart((chart) => { model(chart, options); });
  return podOf(findObject(objects, 'Deployment', 'llama3-8b-stable'));
}

describe('ModelSource', () => {
  test('S3: pinned version folder synced by a hardened, pinned init container', () => {
    const source = ModelSource.s3({ bucket: 'acme-models', prefix: 'models/llama3-8b/', versionId: '2024-06-01-a1b2c3', region: 'us-east-1', volumeSize: Size.gibibytes(50) });
    expect(source.kind).toBe('s3');
    expect(source.revision).toBe('2024-06-01-a1b2c3');
    expect(source.uri).toBe('s3://acme-models/models/llama3-8b/2024-06-01-a1b2c3/');
    const p = pod({ source });
    const init = p.initContainers[0];
    expect(init.name).toBe('fetch-weights');
    expect(init.image).toBe(ServingImages.AWS_CLI);
    expect(init.command).toEqual(['aws', 's3', 'sync', 's3://acme-models/models/llama3-8b/2024-06-01-a1b2c3/', '/models/weights', '--only-show-errors', '--no-progress']);
    expect(init.env).toContainEqual({ name: 'AWS_REGION', value: 'us-east-1' });
    expect(init.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(init.volumeMounts[0]).toEqual({ name: 'model-weights', mountPath: '/models' });
    expect(p.volumes[0]).toEqual({ name: 'model-weights', emptyDir: { sizeLimit: '50Gi' } });
  });

  test('S3 sync image override', () => {
    const image = `registry.example.com/aws-cli@${DIGEST}`;
    const p = pod({ source: ModelSource.s3({ bucket: 'acme-models', prefix: '', versionId: 'v1', syncImage: image }) });
    expect(p.initContainers[0].image).toBe(image);
    expect(p.initContainers[0].command[3]).toBe('s3://acme-models/v1/');
    expect(p.initContainers[0].env.find((e: any) => e.name === 'AWS_REGION')).toBeUndefined();
  });

  test('Hugging Face: pinned commit, token from a Secret, server image by default', () => {
    const p = pod({ source: ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA, tokenSecret: { secretName: 'hf-token', key: 'token' } }) });
    const init = p.initContainers[0];
    expect(init.command).toEqual(['huggingface-cli', 'download', 'meta-llama/Llama-3.1-8B-Instruct', '--revision', SHA, '--local-dir', '/models/weights']);
    expect(init.env).toContainEqual({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } });
    expect(init.image).toBe(p.containers[0].image);
    const custom = pod({ source: ModelSource.huggingFace({ modelId: 'gpt2', revision: SHA, downloadImage: `hf/cli@${DIGEST}` }) });
    expect(custom.initContainers[0].image).toBe(`hf/cli@${DIGEST}`);
    expect(custom.initContainers[0].env.find((e: any) => e.name === 'HF_TOKEN')).toBeUndefined();
  });

  test('PVC: mounted read-only, no init container', () => {
    const source = ModelSource.pvc({ claimName: 'weights', revision: 'v3' });
    expect(source.uri).toBe('pvc://weights/');
    const p = pod({ source });
    expect(p.initContainers).toEqual([]);
    expect(p.containers[0].args[0]).toBe('/models');
  });

  test('bad input', () => {
    expectValidationError(() => ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B', revision: 'main' }), 'revision', "'main'");
    expectValidationError(() => ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B', revision: SHA.slice(0, 7) }), 'revision', `'${SHA.slice(0, 7)}'`);
    expectValidationError(() => ModelSource.huggingFace({ modelId: 'not a model', revision: SHA }), 'modelId', "'not a model'");
    expectValidationError(() => ModelSource.huggingFace({ modelId: 'a/b', revision: SHA, tokenSecret: { secretName: 'Bad_Name', key: 't' } }), 'tokenSecret.secretName', "'Bad_Name'");
    expectValidationError(() => ModelSource.huggingFace({ modelId: 'a/b', revision: SHA, tokenSecret: { secretName: 'ok', key: 'a b' } }), 'tokenSecret.key', "'a b'");
    expectValidationError(() => ModelSource.s3({ bucket: 'Acme_Models', prefix: 'm/', versionId: 'v1' }), 'bucket', "'Acme_Models'");
    expectValidationError(() => ModelSource.s3({ bucket: 'acme', prefix: 's3://acme/m/', versionId: 'v1' }), 'prefix', "'s3://acme/m/'");
    expectValidationError(() => ModelSource.s3({ bucket: 'acme', prefix: 'models/llama', versionId: 'v1' }), 'prefix', "'models/llama'");
    expectValidationError(() => ModelSource.s3({ bucket: 'acme', prefix: 'm/', versionId: 'latest' }), 'versionId', "'latest'");
    expectValidationError(() => ModelSource.s3({ bucket: 'acme', prefix: 'm/', versionId: 'v1', volumeSize: Size.mebibytes(10) }), 'volumeSize', "'10Mi'");
    expectValidationError(() => ModelSource.pvc({ claimName: 'Weights', revision: 'v1' }), 'claimName', "'Weights'");
    expectValidationError(() => ModelSource.pvc({ claimName: 'w', revision: '' }), 'revision', "''");
    expectValidationError(() => ModelSource.pvc({ claimName: 'w', revision: 'v1', subPath: '../etc' }), 'subPath', "'../etc'");
    synthChart((chart) => {
      expectValidationError(() => model(chart, { source: ModelSource.s3({ bucket: 'acme', prefix: 'm/', versionId: 'v1', syncImage: 'amazon/aws-cli:2' }) }), 'syncImage', "'amazon/aws-cli:2'");
    });
  });
});

describe('WeightVerification', () => {
  test('keyless: cosign verify-blob with identity, issuer and the Rekor bundle, then checksums', () => {
    const p = pod({ verification: keyless() });
    const names = p.initContainers.map((c: any) => c.name);
    expect(names).toEqual(['fetch-weights', 'verify-signature', 'verify-checksums']);
    const cosign = p.initContainers[1];
    expect(cosign.image).toBe(ServingImages.COSIGN);
    expect(cosign.args).toEqual(['verify-blob', '--bundle', '/models/weights/SHA256SUMS.sigstore.json',
      '--certificate-identity', 'https://github.com/acme/models/.github/workflows/sign.yml@refs/heads/main',
      '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com', '/models/weights/SHA256SUMS']);
    expect(cosign.args).not.toContain('--insecure-ignore-tlog');
    const sums = p.initContainers[2];
    expect(sums.image).toBe(ServingImages.AWS_CLI);
    expect(sums.command[2]).toContain("sha256sum --check --strict --quiet 'SHA256SUMS'");
    for (const c of p.initContainers.slice(1)) {
      expect(c.volumeMounts[0]).toEqual({ name: 'model-weights', mountPath: '/models', readOnly: true });
      expect(c.resources.requests).toEqual(c.resources.limits);
    }
  });

  test('public key from a Secret, custom manifest and images', () => {
    const v = WeightVerification.publicKey({ publicKey: { secretName: 'cosign-pub', key: 'cosign.pub' }, manifest: 'CHECKSUMS', cosignImage: `c/cosign@${DIGEST}`, checksumImage: `c/busybox@${DIGEST}` });
    expect(v.bundle).toBe('CHECKSUMS.sigstore.json');
    const p = pod({ verification: v });
    const cosign = p.initContainers[1];
    expect(cosign.args).toEqual(['verify-blob', '--bundle', '/models/weights/CHECKSUMS.sigstore.json', '--key', '/etc/cosign/cosign.pub', '/models/weights/CHECKSUMS']);
    expect(cosign.image).toBe(`c/cosign@${DIGEST}`);
    expect(p.initContainers[2].image).toBe(`c/busybox@${DIGEST}`);
    expect(p.volumes).toContainEqual({ name: 'cosign-public-key', secret: { secretName: 'cosign-pub', items: [{ key: 'cosign.pub', path: 'cosign.pub' }], defaultMode: 0o444 } });
  });

  test('bad input', () => {
    expectValidationError(() => WeightVerification.keyless({ certificateIdentity: '', certificateOidcIssuer: 'https://x' }), 'certificateIdentity', "''");
    expectValidationError(() => WeightVerification.keyless({ certificateIdentity: 'me', certificateOidcIssuer: 'http://x' }), 'certificateOidcIssuer', "'http://x'");
    expectValidationError(() => WeightVerification.keyless({ certificateIdentity: 'me', certificateOidcIssuer: 'https://x', manifest: '../SUMS' }), 'manifest', "'../SUMS'");
    expectValidationError(() => WeightVerification.publicKey({ publicKey: { secretName: '', key: 'k' } }), 'publicKey.secretName', "''");
  });
});
