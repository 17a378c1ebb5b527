import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ServingImages } from './serving-images';
import { ValidationError } from '../../core/errors';
import { Names } from '../../core/names';
import { checkArgs, checkProps } from '../../core/private/runtime-types';
import { urlProblem } from '../../core/private/urls';
import { containerSecurityContext, guaranteedResources, sizeQuantity, validateImage } from '../private/pod';

/**
 * A reference to one key of a Kubernetes Secret in the workload's namespace.
 */
export interface SecretKeyReference {
  /** The Secret name. */
  readonly secretName: string;
  /** The key inside the Secret. */
  readonly key: string;
}

/**
 * Where the weights of a model come from, in S3.
 */
export interface S3ModelSourceOptions {
  /** The bucket (the model store), e.g. `acme-llm-prod-models`. */
  readonly bucket: string;
  /** The key prefix of the model, ending with `/`, e.g. `models/llama3-8b/`. */
  readonly prefix: string;
  /**
   * The pinned version id: the immutable version folder under the prefix the weights are synced from
   * (`s3://<bucket>/<prefix><versionId>/`). The model store never overwrites a version folder, so the
   * same id always loads the same bytes. It is also the model revision recorded on the pods.
   */
  readonly versionId: string;
  /**
   * The bucket's region.
   *
   * @default - the region the AWS SDK resolves (Pod Identity sets it)
   */
  readonly region?: string;
  /**
   * Size limit of the node-local volume the weights are synced to.
   *
   * @default Size.gibibytes(100)
   */
  readonly volumeSize?: Size;
  /**
   * The image of the sync init container (needs `aws`).
   *
   * @default ServingImages.AWS_CLI
   */
  readonly syncImage?: string;
}

/**
 * Where the weights of a model come from, on the Hugging Face Hub.
 */
export interface HuggingFaceModelSourceOptions {
  /** The model id, e.g. `meta-llama/Llama-3.1-8B-Instruct`. */
  readonly modelId: string;
  /** The pinned revision: a full 40-character commit sha (branches and tags move). */
  readonly revision: string;
  /**
   * The Secret key holding a Hub access token (`HF_TOKEN`), for gated models.
   *
   * @default - anonymous download
   */
  readonly tokenSecret?: SecretKeyReference;
  /**
   * Size limit of the node-local volume the weights are downloaded to.
   *
   * @default Size.gibibytes(100)
   */
  readonly volumeSize?: Size;
  /**
   * The image of the download init container (needs `huggingface-cli`).
   *
   * @default - the model server's own image (vLLM and TGI images ship `huggingface-cli`)
   */
  readonly downloadImage?: string;
}

/**
 * Weights already on a PersistentVolumeClaim in the workload's namespace.
 */
export interface PvcModelSourceOptions {
  /** The claim name. */
  readonly claimName: string;
  /**
   * The revision of the weights on the claim (recorded on the pods; the policy layer requires one).
   */
  readonly revision: string;
  /**
   * The folder inside the claim that holds the weights.
   *
   * @default - the claim's root
   */
  readonly subPath?: string;
}

/**
 * How the serving pod loads weights: what the init containers, volumes and model path are.
 * @internal
 */
export interface RenderedModelSource {
  readonly volumes: any[];
  readonly initContainers: any[];
  /** Mount of the weights volume into the server container. */
  readonly serverMount: any;
  readonly modelPath: string;
  /** Mount the verification containers use (writable not needed). */
  readonly verifyMount: any;
  readonly weightsDir: string;
}

/**
 * Context a source renders in.
 * @internal
 */
export interface ModelSourceContext {
  readonly serverImage: string;
  readonly allowUnpinnedImages: boolean;
  readonly scope?: IConstruct;
  /** Env every init container gets (HOME, caches). */
  readonly env: any[];
  /** Mounts every init container gets (cache, tmp). */
  readonly mounts: any[];
  /** The weights volume's size limit, over the source's own `volumeSize` (the model's sizing or `weightsVolumeSize`). */
  readonly weightsVolumeSize?: Size;
}

/** Where weights are mounted in the pod. */
const MODELS_DIR = '/models';
const WEIGHTS_DIR = `${MODELS_DIR}/weights`;
const WEIGHTS_VOLUME = 'model-weights';
/** Init container sizing: syncing/downloading is network- and disk-bound; 1 core and 2 GiB suffice for the AWS CLI and huggingface-cli. */
const DOWNLOAD_CPU = 1;
const DOWNLOAD_MEMORY = Size.gibibytes(2);
const DEFAULT_VOLUME = Size.gibibytes(100);
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const COMMIT_SHA = /^[0-9a-f]{40}$/;
const HF_MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;

/**
 * Where a model's weights come from (enum-like): an S3 version folder synced by an init container,
 * a Hugging Face repository at a pinned commit, or an existing PersistentVolumeClaim. Every source is
 * pinned: the revision is recorded on the pods (`llm-platform.io/model-revision`).
 *
 * ```ts
 * ModelSource.s3({ bucket: 'acme-models', prefix: 'models/llama3-8b/', versionId: '2024-06-01-a1b2c3' })
 * ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B-Instruct', revision: '0e9e39f249a16976918f6564b8830bc894c89659' })
 * ModelSource.pvc({ claimName: 'llama3-weights', revision: 'v3' })
 * ```
 */
export class ModelSource {
  /**
   * Weights synced from an immutable S3 version folder by an init container (`aws s3 sync`).
   */
  public static s3(options: S3ModelSourceOptions): ModelSource {
    checkProps('k8s.S3ModelSourceOptions', options, 'options');
    if (!S3_BUCKET.test(options.bucket ?? '') || options.bucket.includes('..')) {
      throw new ValidationError('bucket', 'must be an S3 bucket name', options.bucket, 'use 3-63 lowercase letters, digits, \'.\' and \'-\' (the model store bucket name, not an ARN or URL)');
    }
    const prefix = options.prefix ?? '';
    if (prefix.startsWith('/') || prefix.startsWith('s3://') || (prefix !== '' && !prefix.endsWith('/')) || prefix.includes('//')) {
      throw new ValidationError('prefix', "must be a key prefix ending with '/' (no leading '/', no 's3://')", options.prefix, "use e.g. 'models/llama3-8b/'");
    }
    if (prefix.split('/').some((s) => s === '.' || s === '..')) {
      throw new ValidationError('prefix', "must not have '.' or '..' segments (path traversal)", options.prefix, "name the prefix itself, e.g. 'models/llama3-8b/'");
    }
    validateRevision('versionId', options.versionId, 'set the immutable version folder the model store wrote, e.g. \'2024-06-01-a1b2c3\'');
    validateVolumeSize(options.volumeSize);
    return new ModelSource('s3', options.versionId, `s3://${options.bucket}/${prefix}${options.versionId}/`, options, undefined, undefined);
  }

  /**
   * Weights downloaded from the Hugging Face Hub at a pinned commit by an init container.
   */
  public static huggingFace(options: HuggingFaceModelSourceOptions): ModelSource {
    checkProps('k8s.HuggingFaceModelSourceOptions', options, 'options');
    if (!HF_MODEL_ID.test(options.modelId ?? '')) {
      throw new ValidationError('modelId', 'must be a Hugging Face model id', options.modelId, "use '<organization>/<model>', e.g. 'meta-llama/Llama-3.1-8B-Instruct'");
    }
    if (!COMMIT_SHA.test(options.revision ?? '')) {
      throw new ValidationError('revision', 'must be a full 40-character lowercase commit sha (branches and tags move)', options.revision,
        `pin the commit: copy the full sha from https://huggingface.co/${options.modelId}/commits/main`);
    }
    if (options.tokenSecret) validateSecretRef('tokenSecret', options.tokenSecret);
    validateVolumeSize(options.volumeSize);
    return new ModelSource('huggingface', options.revision, `hf://${options.modelId}@${options.revision}`, undefined, options, undefined);
  }

  /**
   * Weights in the platform's model store (`s3://<name>-<environment>-models/<prefix><versionId>/`): an S3
   * source whose bucket `platform.KubernetesPlatform` fills in (the model's Pod Identity role may read exactly
   * that prefix). The spec's way to say S3 weights; outside the platform use `ModelSource.s3` with the bucket.
   * The prefix and version are checked by the platform's spec validator (with their spec path).
   *
   * @param prefix key prefix ending with `/`, e.g. `models/llama3-8b/`
   * @param versionId the version folder (pinned), e.g. `2024-06-01`
   */
  public static modelStore(prefix: string, versionId: string): ModelSource {
    checkArgs('k8s.ModelSource#modelStore', [prefix, versionId]);
    return new ModelSource('model-store', versionId, `model-store://${prefix}${versionId}/`, undefined, undefined, undefined, prefix);
  }

  /**
   * A Hugging Face or PVC source whose options the platform's spec validator checks (collecting every
   * problem with its spec path) instead of this class throwing at the first.
   * @internal
   */
  public static _unchecked(hf?: HuggingFaceModelSourceOptions, pvc?: PvcModelSourceOptions): ModelSource {
    if (hf) return new ModelSource('huggingface', hf.revision, `hf://${hf.modelId}@${hf.revision}`, undefined, hf, undefined);
    return new ModelSource('pvc', pvc!.revision, `pvc://${pvc!.claimName}/${pvc!.subPath ?? ''}`, undefined, undefined, pvc);
  }

  /**
   * Weights on an existing PersistentVolumeClaim, mounted read-only.
   */
  public static pvc(options: PvcModelSourceOptions): ModelSource {
    checkProps('k8s.PvcModelSourceOptions', options, 'options');
    Names.validateDns1123Subdomain('claimName', options.claimName);
    validateRevision('revision', options.revision, 'record which weights the claim holds, e.g. \'v3\' or a commit sha');
    if (options.subPath !== undefined && (options.subPath.startsWith('/') || options.subPath.split('/').includes('..') || options.subPath === '')) {
      throw new ValidationError('subPath', "must be a relative path inside the claim without '..'", options.subPath, "use e.g. 'llama3-8b/v3'");
    }
    return new ModelSource('pvc', options.revision, `pvc://${options.claimName}/${options.subPath ?? ''}`, undefined, undefined, options);
  }

  /** The kind of source: `s3`, `huggingface`, `pvc`, or `model-store` (the platform's, bucket resolved by the platform). */
  public readonly kind: string;
  /**
   * The model-store key prefix (`ModelSource.modelStore` only).
   *
   * @default - not a model-store source
   */
  public readonly prefix?: string;
  /** The pinned revision (S3 version id, commit sha or the PVC's revision). */
  public readonly revision: string;
  /** Where the weights come from, as a URI (`s3://...`, `hf://<id>@<sha>`, `pvc://<claim>/<path>`). */
  public readonly uri: string;

  private constructor(
    kind: string,
    revision: string,
    uri: string,
    private readonly s3Options?: S3ModelSourceOptions,
    private readonly hfOptions?: HuggingFaceModelSourceOptions,
    private readonly pvcOptions?: PvcModelSourceOptions,
    prefix?: string,
  ) {
    this.kind = kind;
    this.revision = revision;
    this.uri = uri;
    this.prefix = prefix;
  }

  /** Whether the weights are in the platform's model store (`ModelSource.modelStore`: the model needs a Pod Identity role). */
  public get inModelStore(): boolean {
    return this.kind === 'model-store';
  }

  /** @internal */
  public get _huggingFace(): HuggingFaceModelSourceOptions | undefined {
    return this.hfOptions;
  }

  /** @internal */
  public get _pvc(): PvcModelSourceOptions | undefined {
    return this.pvcOptions;
  }

  /** @internal */
  public get _s3(): S3ModelSourceOptions | undefined {
    return this.s3Options;
  }

  /**
   * This model-store source as an S3 source of the platform's bucket.
   * @internal
   */
  public _inBucket(bucket: string, region?: string, syncImage?: string): ModelSource {
    if (!this.inModelStore) return this;
    return ModelSource.s3({ bucket, prefix: this.prefix!, versionId: this.revision, region, syncImage });
  }

  /**
   * Whether the weights are copied to a node-local volume (S3 and Hugging Face; not a PVC).
   */
  public get usesLocalVolume(): boolean {
    return this.kind !== 'pvc';
  }

  /**
   * The volumes, init containers and model path of this source.
   * @internal
   */
  public _render(ctx: ModelSourceContext): RenderedModelSource {
    if (this.inModelStore) {
      throw new ValidationError('source', 'is ModelSource.modelStore(), whose bucket only platform.KubernetesPlatform knows', this.uri,
        'use ModelSource.s3({ bucket, prefix, versionId }) outside the platform', ctx.scope);
    }
    if (this.pvcOptions) {
      const o = this.pvcOptions;
      const modelPath = o.subPath ? `${MODELS_DIR}/${o.subPath}` : MODELS_DIR;
      const mount = { name: WEIGHTS_VOLUME, mountPath: MODELS_DIR, readOnly: true };
      return {
        volumes: [{ name: WEIGHTS_VOLUME, persistentVolumeClaim: { claimName: o.claimName, readOnly: true } }],
        initContainers: [],
        serverMount: mount,
        verifyMount: mount,
        modelPath,
        weightsDir: modelPath,
      };
    }
    const size = sizeQuantity(ctx.weightsVolumeSize ?? (this.s3Options ?? this.hfOptions)!.volumeSize ?? DEFAULT_VOLUME);
    const volumes = [{ name: WEIGHTS_VOLUME, emptyDir: { sizeLimit: size } }];
    const writable = { name: WEIGHTS_VOLUME, mountPath: MODELS_DIR };
    const readOnly = { ...writable, readOnly: true };
    let init: any;
    if (this.s3Options) {
      const o = this.s3Options;
      const image = validateImage('syncImage', o.syncImage ?? ServingImages.AWS_CLI, ctx.allowUnpinnedImages, ctx.scope, 'allowUnpinnedImages');
      init = {
        name: 'fetch-weights',
        image,
        command: ['aws', 's3', 'sync', this.uri, WEIGHTS_DIR, '--only-show-errors', '--no-progress'],
        env: [...ctx.env, ...(o.region ? [{ name: 'AWS_REGION', value: o.region }] : [])],
      };
    } else {
      const o = this.hfOptions!;
      const image = validateImage('downloadImage', o.downloadImage ?? ctx.serverImage, ctx.allowUnpinnedImages, ctx.scope, 'allowUnpinnedImages');
      const env = [...ctx.env, { name: 'HF_HUB_DISABLE_TELEMETRY', value: '1' }];
      if (o.tokenSecret) env.push({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: o.tokenSecret.secretName, key: o.tokenSecret.key } } });
      init = {
        name: 'fetch-weights',
        image,
        command: ['huggingface-cli', 'download', o.modelId, '--revision', o.revision, '--local-dir', WEIGHTS_DIR],
        env,
      };
    }
    return {
      volumes,
      initContainers: [{
        ...init,
        resources: guaranteedResources(DOWNLOAD_CPU, DOWNLOAD_MEMORY),
        securityContext: containerSecurityContext(),
        volumeMounts: [writable, ...ctx.mounts],
      }],
      serverMount: readOnly,
      verifyMount: readOnly,
      modelPath: WEIGHTS_DIR,
      weightsDir: WEIGHTS_DIR,
    };
  }
}

/** Where LoRA adapters are downloaded (one folder per adapter) and the volume that holds them. */
export const ADAPTERS_DIR = '/adapters';
export const ADAPTERS_VOLUME = 'adapters';

/**
 * The init container that downloads a LoRA adapter from `source` into `/adapters/<name>` (internal).
 */
export function renderAdapter(source: ModelSource, name: string, ctx: ModelSourceContext, prop: string): any {
  if (source.inModelStore) {
    throw new ValidationError(prop, 'is ModelSource.modelStore(), whose bucket only platform.KubernetesPlatform knows', source.uri,
      'use ModelSource.s3({ bucket, prefix, versionId }) outside the platform', ctx.scope);
  }
  if (source._pvc) {
    throw new ValidationError(prop, 'is a PVC, which adapters cannot be read from (they are downloaded next to each other)', source.uri,
      'publish the adapter to S3 or Hugging Face and use ModelSource.s3(...) or ModelSource.huggingFace(...)', ctx.scope);
  }
  const dir = `${ADAPTERS_DIR}/${name}`;
  const s3 = source._s3;
  let init: any;
  if (s3) {
    const image = validateImage(`${prop}.syncImage`, s3.syncImage ?? ServingImages.AWS_CLI, ctx.allowUnpinnedImages, ctx.scope, 'allowUnpinnedImages');
    init = {
      image,
      command: ['aws', 's3', 'sync', source.uri, dir, '--only-show-errors', '--no-progress'],
      env: [...ctx.env, ...(s3.region ? [{ name: 'AWS_REGION', value: s3.region }] : [])],
    };
  } else {
    const o = source._huggingFace!;
    const image = validateImage(`${prop}.downloadImage`, o.downloadImage ?? ctx.serverImage, ctx.allowUnpinnedImages, ctx.scope, 'allowUnpinnedImages');
    const env = [...ctx.env, { name: 'HF_HUB_DISABLE_TELEMETRY', value: '1' }];
    if (o.tokenSecret) env.push({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: o.tokenSecret.secretName, key: o.tokenSecret.key } } });
    init = { image, command: ['huggingface-cli', 'download', o.modelId, '--revision', o.revision, '--local-dir', dir], env };
  }
  return {
    name: `fetch-adapter-${name}`,
    ...init,
    resources: guaranteedResources(DOWNLOAD_CPU, DOWNLOAD_MEMORY),
    securityContext: containerSecurityContext(),
    volumeMounts: [{ name: ADAPTERS_VOLUME, mountPath: ADAPTERS_DIR }, ...ctx.mounts],
  };
}

/**
 * Options of a keyless (Fulcio certificate) weight signature.
 */
export interface KeylessVerificationOptions {
  /** The signer identity in the certificate (`--certificate-identity`), e.g. the CI workflow URL. */
  readonly certificateIdentity: string;
  /** The OIDC issuer of the signer (`--certificate-oidc-issuer`), e.g. `https://token.actions.githubusercontent.com`. */
  readonly certificateOidcIssuer: string;
  /**
   * The checksum manifest inside the weights folder (`sha256sum` format, signed with `cosign sign-blob`).
   *
   * @default 'SHA256SUMS'
   */
  readonly manifest?: string;
  /**
   * The Sigstore bundle of the manifest inside the weights folder (signature, certificate and the Rekor
   * transparency log entry).
   *
   * @default - `<manifest>.sigstore.json`
   */
  readonly bundle?: string;
  /**
   * The cosign image.
   *
   * @default ServingImages.COSIGN
   */
  readonly cosignImage?: string;
  /**
   * The image that checks the files against the manifest (needs `sh`, `sha256sum`, `find`).
   *
   * @default ServingImages.AWS_CLI
   */
  readonly checksumImage?: string;
}

/**
 * Options of a public-key weight signature.
 */
export interface PublicKeyVerificationOptions {
  /** The Secret key holding the PEM public key. */
  readonly publicKey: SecretKeyReference;
  /**
   * The checksum manifest inside the weights folder.
   *
   * @default 'SHA256SUMS'
   */
  readonly manifest?: string;
  /**
   * The Sigstore bundle of the manifest (signature and Rekor entry).
   *
   * @default - `<manifest>.sigstore.json`
   */
  readonly bundle?: string;
  /**
   * The cosign image.
   *
   * @default ServingImages.COSIGN
   */
  readonly cosignImage?: string;
  /**
   * The image that checks the files against the manifest.
   *
   * @default ServingImages.AWS_CLI
   */
  readonly checksumImage?: string;
}

const COSIGN_CPU = 0.5;
const COSIGN_MEMORY = Size.mebibytes(512);
const KEY_VOLUME = 'cosign-public-key';
const MANIFEST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Integrity check of downloaded weights before the server starts (enum-like): `cosign verify-blob`
 * checks the signature of the weights' checksum manifest and its Rekor transparency-log entry (keyless
 * identity + issuer, or a public key), then every file is checked against the manifest. Any mismatch
 * fails the init container, so the pod never serves unverified weights.
 */
export class WeightVerification {
  /**
   * Keyless signature (Fulcio certificate bound to an OIDC identity, logged in Rekor).
   */
  public static keyless(options: KeylessVerificationOptions): WeightVerification {
    checkProps('k8s.KeylessVerificationOptions', options, 'options');
    if (!options.certificateIdentity) {
      throw new ValidationError('certificateIdentity', 'must name the signer identity', options.certificateIdentity, 'pass the identity in the signing certificate, e.g. the CI workflow URL');
    }
    // cosign --certificate-oidc-issuer: the issuer URL in the Fulcio certificate (OIDC issuers are https, OpenID Connect Discovery 1.0)
    const issuer = urlProblem(options.certificateOidcIssuer, ['https:']);
    if (issuer) {
      throw new ValidationError('certificateOidcIssuer', issuer.replace('URL', 'issuer URL'), options.certificateOidcIssuer, "use e.g. 'https://token.actions.githubusercontent.com'");
    }
    return new WeightVerification(options, undefined);
  }

  /**
   * Signature by a key pair (public key from a Secret), logged in Rekor.
   */
  public static publicKey(options: PublicKeyVerificationOptions): WeightVerification {
    checkProps('k8s.PublicKeyVerificationOptions', options, 'options');
    validateSecretRef('publicKey', options.publicKey);
    return new WeightVerification(undefined, options);
  }

  /** The checksum manifest file name. */
  public readonly manifest: string;
  /** The Sigstore bundle file name. */
  public readonly bundle: string;
  /** The cosign image the `verify-signature` init container runs (`cosignImage`, default ServingImages.COSIGN). */
  public readonly cosignImage: string;
  /** The image the `verify-checksums` init container runs (`checksumImage`, default ServingImages.AWS_CLI). */
  public readonly checksumImage: string;

  private constructor(private readonly keylessOptions?: KeylessVerificationOptions, private readonly keyOptions?: PublicKeyVerificationOptions) {
    const o = (keylessOptions ?? keyOptions)!;
    this.cosignImage = o.cosignImage ?? ServingImages.COSIGN;
    this.checksumImage = o.checksumImage ?? ServingImages.AWS_CLI;
    this.manifest = o.manifest ?? 'SHA256SUMS';
    this.bundle = o.bundle ?? `${this.manifest}.sigstore.json`;
    for (const [prop, v] of [['manifest', this.manifest], ['bundle', this.bundle]]) {
      if (!MANIFEST_NAME.test(v)) {
        throw new ValidationError(prop, 'must be a file name inside the weights folder', v, "use e.g. 'SHA256SUMS'");
      }
    }
  }

  /**
   * The verification init containers and volumes.
   * @internal
   */
  public _render(source: RenderedModelSource, ctx: ModelSourceContext): { volumes: any[]; initContainers: any[] } {
    const o = (this.keylessOptions ?? this.keyOptions)!;
    const cosignImage = validateImage('cosignImage', o.cosignImage ?? ServingImages.COSIGN, ctx.allowUnpinnedImages, ctx.scope, 'allowUnpinnedImages');
    const checksumImage = validateImage('checksumImage', o.checksumImage ?? ServingImages.AWS_CLI, ctx.allowUnpinnedImages, ctx.scope, 'allowUnpinnedImages');
    const dir = source.weightsDir;
    const args = ['verify-blob', '--bundle', `${dir}/${this.bundle}`];
    const volumes: any[] = [];
    const mounts = [source.verifyMount, ...ctx.mounts];
    if (this.keylessOptions) {
      args.push('--certificate-identity', this.keylessOptions.certificateIdentity, '--certificate-oidc-issuer', this.keylessOptions.certificateOidcIssuer);
    } else {
      const k = this.keyOptions!.publicKey;
      volumes.push({ name: KEY_VOLUME, secret: { secretName: k.secretName, items: [{ key: k.key, path: 'cosign.pub' }], defaultMode: 0o444 } });
      mounts.push({ name: KEY_VOLUME, mountPath: '/etc/cosign', readOnly: true });
      args.push('--key', '/etc/cosign/cosign.pub');
    }
    args.push(`${dir}/${this.manifest}`);
    const common = { resources: guaranteedResources(COSIGN_CPU, COSIGN_MEMORY), securityContext: containerSecurityContext(), env: ctx.env };
    // Every file listed must match and no unlisted file may be present (the download tool's own
    // metadata folder `.cache` aside).
    const script = [
      'set -eu',
      `cd '${dir}'`,
      `sha256sum --check --strict --quiet '${this.manifest}'`,
      `listed=$(grep -c . '${this.manifest}')`,
      `present=$(find . -type f ! -path './.cache/*' ! -name '${this.manifest}' ! -name '${this.bundle}' | wc -l)`,
      'if [ "$listed" -ne "$present" ]; then echo "weights: $present files present, $listed signed" >&2; exit 1; fi',
    ].join('\n');
    return {
      volumes,
      initContainers: [
        { name: 'verify-signature', image: cosignImage, command: ['cosign'], args, volumeMounts: mounts, ...common },
        { name: 'verify-checksums', image: checksumImage, command: ['sh', '-c', script], volumeMounts: [source.verifyMount, ...ctx.mounts], ...common },
      ],
    };
  }
}

function validateRevision(prop: string, value: string, fix: string): void {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value) || /^(latest|main|master|head)$/i.test(value)) {
    throw new ValidationError(prop, 'must be an immutable revision (letters, digits, \'.\', \'_\', \'-\'; not a moving name like \'latest\')', value, fix);
  }
}

function validateSecretRef(prop: string, ref: SecretKeyReference): void {
  if (!Names.isDns1123Subdomain(ref?.secretName)) {
    throw new ValidationError(`${prop}.secretName`, 'must be a Secret name (DNS-1123 subdomain)', ref?.secretName, 'name the Secret in the workload namespace');
  }
  if (!/^[-._a-zA-Z0-9]+$/.test(ref.key ?? '')) {
    throw new ValidationError(`${prop}.key`, 'must be a Secret key', ref.key, "use the key inside the Secret, e.g. 'token'");
  }
}

function validateVolumeSize(size?: Size): void {
  if (size !== undefined && size.toMebibytes() < 1024) {
    throw new ValidationError('volumeSize', 'must be at least 1 GiB', `${size.toMebibytes()}Mi`, 'size it for the weights plus headroom, e.g. Size.gibibytes(100)');
  }
}
