/**
 * `cdktf synth` entry point: the AWS side of the reference platform (`cdktf.out/stacks/acme-llm/cdk.tf.json`).
 */
import { App } from 'cdktf';
import { spec } from './platform';
import { AwsPlatformStack } from '../../src/platform';

/** Build the AWS side into `app` (the synth script and the tests call this too). */
export function buildTerraform(app: App): AwsPlatformStack {
  const stack = new AwsPlatformStack(app, spec.name, { spec });
  // State in an encrypted, versioned S3 bucket with S3-native locking, created once per account
  // (bootstrap), as production stacks keep it. An explicit backend also keeps cdk.tf.json
  // byte-identical across machines: cdktf's implicit local backend records an absolute path.
  stack.useS3State();
  return stack;
}

if (require.main === module) {
  const app = new App();
  buildTerraform(app);
  app.synth();
}
