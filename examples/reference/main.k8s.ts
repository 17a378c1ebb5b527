/**
 * `cdk8s synth` entry point: the Kubernetes side of the reference fleet, one GitOps tree for its three clusters
 * under the app's output directory (`fleet/` for the Argo CD hub, `<cluster>/argocd/` and
 * `<cluster>/<component-or-tenant>/` per cluster).
 */
import { App } from 'cdk8s';
import { fleet } from './platform';
import { KubernetesFleet } from '../../src/platform';

/** Build the Kubernetes side into `app` (the synth script and the tests call this too). */
export function buildKubernetes(app: App): KubernetesFleet {
  return new KubernetesFleet(app, 'acme-llm', { fleet });
}

if (require.main === module) {
  // Not app.synth(): the fleet writes one tree for every cluster (and refuses to write over another's).
  buildKubernetes(new App()).synth();
}
