/**
 * `cdktf synth` entry point: the AWS side of the reference fleet, one Terraform stack per cluster
 * (`cdktf.out/stacks/acme-llm-staging/cdk.tf.json`, `acme-llm-prod`, `acme-llm-prod-eu-west-1`).
 */
import { App } from 'cdktf';
import { fleet } from './platform';
import { AwsFleet } from '../../src/platform';

/**
 * Build the AWS side into `app` (the synth script and the tests call this too). Each stack keeps its state in an
 * encrypted S3 bucket of its account and region with S3-native locking (`AwsPlatformStack.useS3State()`): an
 * explicit backend also keeps cdk.tf.json byte-identical across machines (cdktf's implicit local backend
 * records an absolute path).
 */
export function buildTerraform(app: App): AwsFleet {
  return new AwsFleet(app, 'acme-llm', { fleet });
}

if (require.main === module) {
  const app = new App();
  buildTerraform(app);
  app.synth();
}
