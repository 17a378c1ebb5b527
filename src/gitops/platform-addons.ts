import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GitOpsLayout } from './gitops-layout';
import { AddonImage, IPlatformAddon, PlatformAddonConfig } from './platform-addon';
import { PlatformProject } from './platform-project';
import { ProblemCollector, ValidationError } from '../core/errors';
import { ImageReference } from '../core/image-reference';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { ARGOCD_API_VERSION, RESOURCES_FINALIZER, sortKeys, SYNC_WAVE_ANNOTATION, validatePinnedVersion } from './private/argocd';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * Something synced after the add-ons that needs some of their CRDs (e.g. the platform
 * ApplicationSet needs the Kyverno CRDs for its policies).
 */
export interface CrdConsumerOptions {
  /** A name for error messages, e.g. `platform-components`. */
  readonly name: string;
  /** Its sync wave. */
  readonly wave: number;
  /** The CRDs it needs (`<plural>.<group>`). */
  readonly requiresCrds: string[];
}

/**
 * Properties of `PlatformAddons`.
 */
export interface PlatformAddonsProps {
  /** The GitOps layout. */
  readonly layout: GitOpsLayout;
  /** The AppProject the add-on Applications use (their chart repositories are added to it). */
  readonly project: PlatformProject;
  /** The environment whose cluster the add-ons are installed on. */
  readonly environment: string;
  /**
   * The add-ons.
   *
   * @default - none; use `addAddon`
   */
  readonly addons?: IPlatformAddon[];
  /**
   * Refuse (at synth, and in `validateImages()`) every add-on image that is not mirrored and pinned
   * by digest, naming each image to mirror and the option that takes it. Turn it on when the
   * cluster's admission policies require digests and allowed registries in the add-ons' namespaces
   * (`KubernetesPlatform` does): an add-on whose pods would be refused must not reach Git.
   *
   * @default false
   */
  readonly requirePinnedImages?: boolean;
  /**
   * Registries (`<host>[/<path>]`) the pinned add-on images must come from.
   *
   * @default - any registry
   */
  readonly allowedRegistries?: string[];
}

/**
 * An image of one add-on, with the add-on's name (`PlatformAddons.images`).
 */
export interface PlatformAddonImage extends AddonImage {
  /** The add-on. */
  readonly addon: string;
}

interface Node {
  readonly name: string;
  readonly wave: number;
  readonly requiresCrds: string[];
  readonly dependsOn: string[];
  readonly providesCrds: string[];
  readonly isAddon: boolean;
}

/**
 * The platform add-ons of one environment as Argo CD `Application`s: pinned Helm charts, typed
 * values, sync waves. Validates the install order: every add-on or consumer must sync in a later
 * wave than each add-on it depends on and each add-on providing a CRD it needs.
 */
export class PlatformAddons extends Construct {
  /** The environment. */
  public readonly environment: string;
  private readonly layout: GitOpsLayout;
  private readonly project: PlatformProject;
  private readonly nodes: Node[] = [];
  private readonly configs: PlatformAddonConfig[] = [];
  /** Whether unpinned add-on images are refused. */
  public readonly requirePinnedImages: boolean;
  /** The registries pinned add-on images must come from (empty: any). */
  public readonly allowedRegistries: string[];

  constructor(scope: Construct, id: string, props: PlatformAddonsProps) {
    super(scope, id);
    checkProps('gitops.PlatformAddonsProps', props, 'props', this);
    this.layout = props.layout;
    this.project = props.project;
    this.environment = props.layout.environment(props.environment).name;
    this.requirePinnedImages = props.requirePinnedImages ?? false;
    this.allowedRegistries = (props.allowedRegistries ?? []).map((r, i) => {
      if (typeof r !== 'string' || !/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._/-]+)?$/.test(r.replace(/\/+$/, ''))) {
        throw new ValidationError(`allowedRegistries[${i}]`, "must be '<host>[/<path>]'", r, "use e.g. '123456789012.dkr.ecr.us-east-1.amazonaws.com'", this);
      }
      return r.replace(/\/+$/, '');
    });
    for (const addon of props.addons ?? []) this.addAddon(addon);
    this.node.addValidation({
      validate: () => [...this.missingDependencies(), ...this.imageProblems()]
        .map((p) => ValidationError.format({ ...p, value: ValidationError.render(p.value) })),
    });
  }

  /** Every image of every add-on (what to mirror), in add-on order. */
  public get images(): PlatformAddonImage[] {
    return this.configs.flatMap((c) => (c.images ?? []).map((i) => ({ ...i, addon: c.name, valuesPaths: [...i.valuesPaths] })));
  }

  /** The images no `images` option pins yet (mirror these), in add-on order. */
  public get unpinnedImages(): PlatformAddonImage[] {
    return this.images.filter((i) => i.reference === undefined);
  }

  /**
   * Throw a ValidationError listing every add-on image that is not pinned by digest (when
   * `requirePinnedImages`) or not from an allowed registry.
   */
  public validateImages(): void {
    const problems = new ProblemCollector(this);
    for (const p of this.imageProblems()) problems.add(p.prop, p.problem, p.value, p.fix);
    problems.throwIfAny();
  }

  private imageProblems(): { prop: string; problem: string; value: string; fix: string }[] {
    const out: { prop: string; problem: string; value: string; fix: string }[] = [];
    for (const i of this.images) {
      const prop = `addons[${i.addon}].images.${i.name}`;
      if (i.reference === undefined) {
        if (this.requirePinnedImages) {
          out.push({
            prop,
            problem: 'is not mirrored and pinned by digest (the admission policies refuse the add-on\'s pods)',
            value: i.upstream,
            fix: `mirror ${i.upstream} to ${this.allowedRegistries[0] ?? 'your registry'} and pass images: { '${i.name}': '<registry>/<path>@sha256:<digest>' } `
              + `to the '${i.addon}' add-on (in a PlatformSpec: images.addons['${i.addon}/${i.name}'])`,
          });
        }
        continue;
      }
      if (!ImageReference.isPinnedByDigest(i.reference)) {
        out.push({ prop, problem: 'must be a reference pinned by digest', value: i.reference, fix: "use '<registry>/<path>@sha256:<digest>'" });
      } else if (this.allowedRegistries.length > 0 && !this.allowedRegistries.some((r) => i.reference!.startsWith(`${r}/`))) {
        out.push({ prop, problem: 'is not in an allowed registry', value: i.reference, fix: `mirror ${i.upstream} to one of ${this.allowedRegistries.join(', ')}` });
      }
    }
    return out;
  }

  /** The bound add-on configs, in the order they were added. */
  public get addons(): PlatformAddonConfig[] {
    return this.configs.map((c) => ({ ...c }));
  }

  /**
   * Add an add-on: bind it, validate its pin and its order against the add-ons added so far, and
   * emit its Application.
   */
  public addAddon(addon: IPlatformAddon): PlatformAddonConfig {
    checkArgs('gitops.PlatformAddons#addAddon', [addon], this);
    const env = this.layout.environment(this.environment);
    const config = addon.bind(this, { environment: env.name, server: env.server! });
    const prop = `addons[${config.name}]`;
    Names.validateDns1123Label(`${prop}.name`, config.name, this);
    validatePinnedVersion(`${prop}.version`, config.version, this);
    if (this.configs.some((c) => c.name === config.name)) {
      throw new ValidationError(`${prop}.name`, 'is already an add-on of this environment', config.name, 'add each add-on once', this);
    }
    this.addNode({
      name: config.name,
      wave: config.wave,
      isAddon: true,
      requiresCrds: [...(config.requiresCrds ?? [])],
      dependsOn: [...(config.dependsOn ?? [])],
      providesCrds: [...(config.providesCrds ?? [])],
    });
    this.configs.push(config);
    this.project.addSourceRepo(config.repository.url);
    // least privilege: the project allows exactly the namespaces and cluster-scoped kinds the add-ons declare
    (config.extraNamespaces ?? []).forEach((ns, i) => Names.validateDns1123Label(`${prop}.extraNamespaces[${i}]`, ns, this));
    this.project.addDestinationNamespace(config.namespace);
    (config.extraNamespaces ?? []).forEach((ns) => this.project.addDestinationNamespace(ns));
    (config.clusterResources ?? []).forEach((k) => this.project.addClusterResource(k));
    if (config.createNamespace ?? true) this.project.addClusterResource({ group: '', kind: 'Namespace' });
    this.renderApplication(config);
    return config;
  }

  /**
   * Declare something synced later (an ApplicationSet, a component) that needs CRDs of the add-ons;
   * its wave is validated like an add-on's.
   */
  public addCrdConsumer(options: CrdConsumerOptions): void {
    checkProps('gitops.CrdConsumerOptions', options, 'options', this);
    this.addNode({
      name: options.name, wave: options.wave, isAddon: false, requiresCrds: [...options.requiresCrds], dependsOn: [], providesCrds: [],
    });
  }

  /**
   * Throw a ValidationError listing every dependency or required CRD no add-on provides (the
   * construct also reports them when the app synthesizes).
   */
  public validateDependencies(): void {
    const problems = new ProblemCollector(this);
    for (const p of this.missingDependencies()) problems.add(p.prop, p.problem, p.value, p.fix);
    problems.throwIfAny();
  }

  private missingDependencies(): { prop: string; problem: string; value: string; fix: string }[] {
    const out: { prop: string; problem: string; value: string; fix: string }[] = [];
    const addons = this.nodes.filter((n) => n.isAddon);
    for (const n of this.nodes) {
      for (const d of n.dependsOn) {
        if (!addons.some((a) => a.name === d)) {
          out.push({ prop: `${n.name}.dependsOn`, problem: 'names an add-on that is not installed', value: d, fix: `add the '${d}' add-on or drop the dependency` });
        }
      }
      for (const crd of n.requiresCrds) {
        if (!addons.some((a) => a.providesCrds.includes(crd))) {
          out.push({ prop: `${n.name}.requiresCrds`, problem: 'needs a CRD no add-on provides', value: crd, fix: 'add the add-on that installs it' });
        }
      }
    }
    return out;
  }

  private addNode(node: Node): void {
    if (!Number.isInteger(node.wave)) {
      throw new ValidationError(`${node.name}.wave`, 'must be an integer', node.wave, 'use a SyncWave constant or an integer', this);
    }
    // Check the new node in both directions against every node added so far.
    for (const other of this.nodes) {
      this.checkOrder(node, other);
      this.checkOrder(other, node);
    }
    this.nodes.push(node);
  }

  /** `consumer` must sync after `provider` when it depends on it or needs one of its CRDs. */
  private checkOrder(consumer: Node, provider: Node): void {
    if (!provider.isAddon) return;
    const crd = consumer.requiresCrds.find((c) => provider.providesCrds.includes(c));
    const depends = consumer.dependsOn.includes(provider.name);
    if ((crd || depends) && consumer.wave <= provider.wave) {
      const why = crd ? `'${provider.name}' (wave ${provider.wave}), which provides the CRD '${crd}' it needs` : `'${provider.name}' (wave ${provider.wave}), which it depends on`;
      throw new ValidationError(`${consumer.name}.wave`, `must be later than the wave of ${why}`, consumer.wave,
        `give '${consumer.name}' a wave above ${provider.wave} (e.g. SyncWave.CONTROLLERS after SyncWave.CRD_OPERATORS)`, this);
    }
  }

  private renderApplication(config: PlatformAddonConfig): void {
    const env = this.layout.environment(this.environment);
    const syncOptions = ['PruneLast=true'];
    if (config.createNamespace ?? true) syncOptions.unshift('CreateNamespace=true');
    else syncOptions.unshift('CreateNamespace=false');
    if (config.serverSideApply) syncOptions.push('ServerSideApply=true');
    if (config.ignoreDifferences && config.ignoreDifferences.length > 0) syncOptions.push('RespectIgnoreDifferences=true');
    const values = config.values && Object.keys(config.values).length > 0 ? sortKeys(config.values) : undefined;
    const name = Names.joinLabel([this.environment, config.name]);

    const source: any = config.repository.isGit
      ? {
        repoURL: config.repository.url,
        path: config.chart,
        targetRevision: config.version,
        kustomize: kustomizeSource(config),
      }
      : {
        repoURL: config.repository.url,
        chart: config.chart,
        targetRevision: config.version,
        // Argo CD runs no Helm test hooks; --skip-tests keeps their pods (and images) out of the install
        helm: { releaseName: config.releaseName ?? config.name, valuesObject: values, skipTests: true },
      };
    const spec: any = {
      project: this.project.projectName,
      source,
      destination: { ...this.layout.destinationOf(env.name), namespace: config.namespace },
      ignoreDifferences: config.ignoreDifferences?.map((d) => ({ group: d.group, kind: d.kind, name: d.name, jsonPointers: [...d.jsonPointers] })),
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions,
        managedNamespaceMetadata: (config.createNamespace ?? true)
          ? { labels: { ...(config.namespaceLabels ?? {}), [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE } }
          : undefined,
        retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
      },
    };

    new ApiObject(this, config.name, {
      apiVersion: ARGOCD_API_VERSION,
      kind: 'Application',
      metadata: {
        name,
        namespace: this.layout.argocdNamespace,
        labels: {
          [PlatformLabels.NAME]: config.name,
          [PlatformLabels.COMPONENT]: 'platform-addon',
          [PlatformLabels.ENVIRONMENT]: this.environment,
          [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
        },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(config.wave) },
        finalizers: config.preserveResourcesOnDeletion ? undefined : [RESOURCES_FINALIZER],
      },
      spec,
    } as any);
  }
}

function kustomizeSource(config: PlatformAddonConfig): any {
  const k = config.kustomize;
  if (!k) return undefined;
  const images = k.images && k.images.length > 0 ? [...k.images] : undefined;
  const patches = k.patches && k.patches.length > 0
    ? k.patches.map((p) => ({ target: { kind: p.kind, name: p.name }, patch: p.patch }))
    : undefined;
  return images || patches ? { images, patches } : undefined;
}
