/**
 * `cdktf synth` entry point: the AWS side of the reference platform (`cdktf.out/stacks/acme-llm/cdk.tf.json`).
 */
import { App } from 'cdktf';
import { spec } from './platform';
import { AwsPlatformStack } from '../../src/platform';

/** Build the AWS side into `app` (the synth script and the tests call this too). */
export function buildTerraform(app: App): AwsPlatformStack {
  return new AwsPlatformStack(app, spec.name, { spec });
}

if (require.main === module) {
  const app = new App();
  buildTerraform(app);
  app.synth();
}
