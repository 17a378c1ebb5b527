import { KUBERNETES_SYSTEM_NAMESPACES } from '../../core/private/system-namespaces';
import { GitOpsLayout } from '../../gitops/gitops-layout';
import { PlatformAddon } from '../../gitops/platform-addon';
import { DEFAULT_EXCEPTIONS_NAMESPACE, DEFAULT_PARAMETERS_NAMESPACE } from '../../policy/private/namespaces';
import { PlatformNames } from '../platform-names';

/** Why a name is reserved (for the error message). */
export interface ReservedName {
  readonly name: string;
  readonly reason: string;
}

let cache: Map<string, string> | undefined;

/**
 * Every name a tenant (its namespace and GitOps directory) must not take, derived from the code's own
 * constants (never a hand-copied list): the Kubernetes system namespaces, the namespaces the platform and
 * every catalogue add-on install into (read from the add-on factories themselves), the GitOps layout's
 * Argo CD namespace, bootstrap directory, platform project and platform components, and the policy
 * exceptions namespace. Computed once, lazily.
 */
export function reservedTenantNames(): Map<string, string> {
  if (cache) return cache;
  const out = new Map<string, string>();
  const add = (name: string | undefined, reason: string) => {
    if (typeof name === 'string' && name !== '' && !out.has(name)) out.set(name, reason);
  };
  for (const ns of KUBERNETES_SYSTEM_NAMESPACES) add(ns, 'a Kubernetes system namespace');
  add(PlatformNames.OBSERVABILITY_NAMESPACE, 'the telemetry gateway namespace');
  add(PlatformNames.MONITORING_NAMESPACE, 'the Prometheus namespace');
  add(PlatformNames.GPU_NAMESPACE, 'the GPU node agents namespace');
  add(PlatformNames.LOAD_BALANCER_CONTROLLER_NAMESPACE, 'the AWS Load Balancer Controller namespace');
  add(GitOpsLayout.DEFAULT_PLATFORM_NAMESPACE, 'the platform components namespace');
  // the layout's defaults, read from a layout (KubernetesPlatform uses them)
  const layout = new GitOpsLayout({ repoUrl: 'https://example.com/x.git', environments: [{ name: 'x' }] });
  add(layout.argocdNamespace, 'the Argo CD namespace');
  add(layout.bootstrapDirectoryName, 'the GitOps bootstrap directory');
  add(layout.platformProjectName, 'the platform AppProject');
  add(DEFAULT_EXCEPTIONS_NAMESPACE, 'the policy exceptions namespace');
  add(DEFAULT_PARAMETERS_NAMESPACE, 'the admission policy parameters namespace');
  for (const c of PlatformNames.COMPONENTS) add(c, 'a platform component directory');
  for (const [name, addon] of catalogueAddons()) {
    if (!addon) continue;
    const config = addon.bind(undefined as any, undefined as any);
    add(config.namespace, `the namespace of the ${name} add-on`);
    for (const ns of config.extraNamespaces ?? []) add(ns, `a namespace of the ${name} add-on`);
  }
  cache = out;
  return out;
}

/** The least options of the catalogue factories that require some (the others take none). */
const REQUIRED_OPTIONS: { [factory: string]: any } = {
  karpenter: { clusterName: 'x', interruptionQueue: 'x' },
  awsLoadBalancerController: { clusterName: 'x', region: 'us-east-1', vpcId: 'vpc-0123456789abcdef0' },
  efaDevicePlugin: { gpuPools: ['x'] },
};

/** Static members of PlatformAddon that are no catalogue factory. */
const NOT_FACTORIES = new Set(['imagesOf', 'catalogueNames', 'helmChart', 'catalogue']);

/**
 * Every factory of the add-on catalogue, found on PlatformAddon itself (a new factory is included without
 * editing this file), with the add-on it builds; `undefined` for a factory that could not be called with
 * the options above (test/platform/domain.test.ts fails then).
 */
export function catalogueAddons(): [string, PlatformAddon | undefined][] {
  return Object.getOwnPropertyNames(PlatformAddon)
    .filter((n) => typeof (PlatformAddon as any)[n] === 'function' && !NOT_FACTORIES.has(n))
    .map((n): [string, PlatformAddon | undefined] => {
      try {
        const addon = (PlatformAddon as any)[n](REQUIRED_OPTIONS[n]);
        return [n, addon instanceof PlatformAddon ? addon : undefined];
      } catch {
        return [n, undefined];
      }
    });
}
