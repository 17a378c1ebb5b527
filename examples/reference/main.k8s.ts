/**
 * `cdk8s synth` entry point: the Kubernetes side of the reference platform, written to the GitOps layout
 * (`<environment>/<component-or-tenant>/` and `argocd/`) under the app's output directory.
 */
import { App } from 'cdk8s';
import { spec } from './platform';
import { KubernetesPlatform } from '../../src/platform';

/** Build the Kubernetes side into `app` (the synth script and the tests call this too). */
export function buildKubernetes(app: App): KubernetesPlatform {
  return new KubernetesPlatform(app, spec.name, { spec });
}

if (require.main === module) {
  // Not app.synth(): the platform writes one directory per chart of the GitOps layout.
  buildKubernetes(new App()).synth();
}
