/**
 * Property-based tests of the main constructs of each submodule (issue 17): valid props with mutations
 * (wrong types, nulls, out-of-range numbers, duplicates, injection strings, control characters, unknown
 * enum strings) either construct, or throw a ValidationError whose problems name a path in the house
 * grammar; never anything else (no TypeError, no cdk8s/cdktf error). Construction only (cheap); a few
 * accepted cases per construct are synthesized and schema-checked.
 */
import { Chart, Duration, Testing as K8sTesting } from 'cdk8s';
import { TerraformStack, Testing } from 'cdktf';
import fc from 'fast-check';
import { BAD_DURATIONS, BAD_NUMBERS, badArrays, badStrings, expectNoCrash, get, outcome, pathsOf, pick, withValue, wrongTypes } from './property-helpers';
import { ImageRegistry } from '../../src/aws/image-registry';
import { ModelStore } from '../../src/aws/model-store';
import { GpuInstanceType, GpuPool, ModelRuntime, ModelService } from '../../src/core';
import { GitOpsLayout, SyncWindowKind, TenantProject } from '../../src/gitops';
import { ModelSource } from '../../src/k8s/serving/model-source';
import { Tenant } from '../../src/k8s/tenancy/tenant';
import { FineTuningJob } from '../../src/k8s/training/fine-tuning-job';
import { IngressGateway } from '../../src/mesh';
import { AlertSeverity, LlmSloAlerts } from '../../src/observability';
import { PolicyException, PolicyRule } from '../../src/policy';
import { provider } from '../aws/fixtures';
import { customRuleProps } from '../policy/fixtures';
import { expectValidManifests, expectValidTerraform } from '../util';

const SEED = 1717;
/** Cases per construct (construction only). */
const RUNS = 150;
/** Accepted cases per construct that are also synthesized and schema-checked. */
const SYNTHS = 3;

const SHA = '0e9e39f249a16976918f6564b8830bc894c89659';
const DIGEST = `sha256:${'a'.repeat(64)}`;

interface Subject {
  /** Valid props (plain data; class instances are kept as they are). */
  readonly props: () => any;
  /** Build the construct; return a synth function for accepted cases. */
  readonly build: (props: any) => () => void;
}

const SUBJECTS: { [name: string]: Subject } = {
  'k8s.Tenant': {
    props: () => ({ tenantName: 'search', gpuQuota: 4, environment: 'prod', adminGroups: ['search-admins'], viewerGroups: ['search-viewers'], podQuota: 50 }),
    build: (props) => {
      const chart = new Chart(K8sTesting.app(), 'test');
      new Tenant(chart, 'Tenant', props);
      return () => expectValidManifests(K8sTesting.synth(chart));
    },
  },
  'k8s.FineTuningJob': {
    props: () => ({
      jobName: 'lora',
      image: `ghcr.io/acme/trainer:1.0@${DIGEST}`,
      command: ['python', '-m', 'train'],
      datasetUri: 's3://acme-data/x/',
      adapterOutputUri: 's3://acme-models/adapters/lora/',
      workers: 1,
      gpusPerWorker: 1,
      ttlAfterFinished: Duration.days(1),
    }),
    build: (props) => {
      const chart = new Chart(K8sTesting.app(), 'test');
      const tenant = new Tenant(chart, 'Tenant', { tenantName: 'search', gpuQuota: 8 });
      new FineTuningJob(chart, 'Job', {
        ...props,
        tenant,
        baseModel: ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA }),
        pool: GpuPool.fromAttributes({ poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE] }),
      });
      return () => expectValidManifests(K8sTesting.synth(chart));
    },
  },
  'k8s.ModelServer': {
    props: () => ({ modelName: 'llama3-8b', image: `vllm/vllm-openai:v0.10.1@${DIGEST}`, replicas: { min: 1, max: 2 }, startupTimeout: Duration.minutes(30), extraArgs: ['--max-num-seqs', '64'] }),
    build: (props) => {
      const chart = new Chart(K8sTesting.app(), 'test');
      const tenant = new Tenant(chart, 'Tenant', { tenantName: 'search', gpuQuota: 8 });
      tenant.addModel('Model', {
        runtime: ModelRuntime.VLLM,
        source: ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA }),
        pool: GpuPool.fromAttributes({ poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE] }),
        ...props,
      });
      return () => expectValidManifests(K8sTesting.synth(chart));
    },
  },
  'gitops.GitOpsLayout': {
    props: () => ({
      repoUrl: 'https://git.example.com/acme/platform-gitops.git',
      targetRevision: 'main',
      environments: [{ name: 'dev' }, { name: 'prod', server: 'https://prod.eks.example.com' }],
      tenants: [{ name: 'search' }, { name: 'chat', namespaces: ['chat', 'chat-batch'] }],
      platformComponents: [{ name: 'tenancy' }],
    }),
    build: (props) => {
      new GitOpsLayout(props);
      return () => undefined;
    },
  },
  'gitops.TenantProject': {
    props: () => ({
      tenant: 'search',
      additionalSourceRepos: ['https://github.com/acme/charts.git'],
      allowRbac: false,
      syncWindows: [{ kind: SyncWindowKind.DENY, schedule: '0 22 * * mon-fri', duration: Duration.hours(2), timeZone: 'Europe/Berlin' }],
    }),
    build: (props) => {
      const chart = new Chart(K8sTesting.app(), 'test');
      const layout = new GitOpsLayout({ repoUrl: 'https://git.example.com/acme/platform-gitops.git', environments: [{ name: 'dev' }], tenants: [{ name: 'search' }] });
      new TenantProject(chart, 'Project', { ...props, layout });
      return () => expectValidManifests(K8sTesting.synth(chart));
    },
  },
  'mesh.IngressGateway': {
    props: () => ({ hosts: ['llm.example.com', 'api.example.com'], credentialName: 'llm-example-com-tls', externalCredential: true }),
    build: (props) => {
      const chart = new Chart(K8sTesting.app(), 'test');
      new IngressGateway(chart, 'Gateway', props);
      return () => expectValidManifests(K8sTesting.synth(chart));
    },
  },
  'policy.PolicyRule': {
    props: () => customRuleProps(),
    build: (props) => {
      PolicyRule.custom(props);
      return () => undefined;
    },
  },
  'policy.PolicyException': {
    props: () => ({ ruleIds: ['LLM-PSS-006'], namespace: 'nvidia-gpu', kind: 'DaemonSet', owner: 'platform-team', reason: 'host sockets', ticket: 'SEC-1', expires: '2099-12-31' }),
    build: (props) => {
      new PolicyException(props);
      return () => undefined;
    },
  },
  'observability.LlmSloAlerts': {
    props: () => ({
      availability: {
        target: 0.999,
        windows: [{ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), burnRateFactor: 14.4, severity: AlertSeverity.CRITICAL }],
      },
      timeToFirstTokenP99: Duration.millis(500),
      interTokenLatencyP99: Duration.millis(50),
      queueDepthThreshold: 10,
      kvCacheUsageThreshold: 0.9,
      maxReplicas: 4,
    }),
    build: (props) => {
      const chart = new Chart(K8sTesting.app(), 'test');
      new LlmSloAlerts(chart, 'Slo', { ...props, model: ModelService.fromAttributes({ modelName: 'llama3-8b', tenant: 'search', runtime: ModelRuntime.VLLM }) });
      return () => expectValidManifests(K8sTesting.synth(chart));
    },
  },
  'aws.ImageRegistry': {
    props: () => ({ repositories: ['llm/vllm', 'mirror/aws-cli'], untaggedImageExpiryDays: 14, maxImageCount: 200, tags: { team: 'platform' } }),
    build: (props) => {
      const stack = new TerraformStack(Testing.app(), 'test');
      provider(stack);
      new ImageRegistry(stack, 'Registry', props);
      return () => expectValidTerraform(Testing.synth(stack));
    },
  },
  'aws.ModelStore': {
    props: () => ({ bucketName: 'acme-prod-models', noncurrentVersionExpiryDays: 30, accessLogRetentionDays: 365, tags: { team: 'platform' } }),
    build: (props) => {
      const stack = new TerraformStack(Testing.app(), 'test');
      provider(stack);
      new ModelStore(stack, 'Models', props);
      return () => expectValidTerraform(Testing.synth(stack));
    },
  },
};

/** A generic mutation of props: a family, where and what. */
const mutation = fc.record({ family: fc.constantFrom('WRONG_TYPE', 'NUMBER', 'STRING', 'ARRAY', 'DURATION'), where: fc.nat(), what: fc.nat() });

function mutate(props: any, m: { family: string; where: number; what: number }): any {
  const all = pathsOf(props);
  const of = (test: (v: any) => boolean) => all.filter((p) => test(get(props, p)));
  switch (m.family) {
    case 'WRONG_TYPE':
      return all.length === 0 ? props : withValue(props, pick(all, m.where), (v) => pick(wrongTypes(v), m.what));
    case 'NUMBER': {
      const numbers = of((v) => typeof v === 'number');
      return numbers.length === 0 ? props : withValue(props, pick(numbers, m.where), () => pick(BAD_NUMBERS, m.what));
    }
    case 'STRING': {
      const strings = of((v) => typeof v === 'string');
      return strings.length === 0 ? props : withValue(props, pick(strings, m.where), (v) => pick(badStrings(v, m.what), m.what));
    }
    case 'DURATION': {
      const durations = of((v) => v instanceof Duration);
      return durations.length === 0 ? props : withValue(props, pick(durations, m.where), () => pick(BAD_DURATIONS, m.what));
    }
    default: {
      const arrays = of((v) => Array.isArray(v) && v.length > 0);
      return arrays.length === 0 ? props : withValue(props, pick(arrays, m.where), (a) => pick(badArrays(a), m.what));
    }
  }
}

describe('property: the main constructs of each submodule (issue 17)', () => {
  test.each(Object.keys(SUBJECTS))(`%s: ${RUNS} mutated props construct or throw a ValidationError naming a path`, (name) => {
    const subject = SUBJECTS[name];
    let synths = 0;
    let rejected = 0;
    fc.assert(fc.property(fc.array(mutation, { maxLength: 2 }), (ms) => {
      const props = ms.reduce(mutate, subject.props());
      let synth: () => void = () => undefined;
      const built = outcome(() => {
        synth = subject.build(props);
      });
      expectNoCrash(built, props, name);
      if (built.kind === 'invalid') rejected++;
      // accepted injection strings (`${`, `%{`) are always synthesized: the output must hold them escaped
      const injected = JSON.stringify(props ?? null).match(/[$%]\{/) !== null;
      if (built.kind === 'ok' && (synths < SYNTHS || injected)) {
        synths++;
        const synthesized = outcome(synth);
        expectNoCrash(synthesized, props, `${name} synth`);
        expect(synthesized.kind).toBe('ok');
      }
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    expect(rejected).toBeGreaterThan(RUNS / 10);
  });

  test('the harness fails on a crash and on a problem outside the grammar (the properties can fail)', () => {
    expect(() => expectNoCrash(outcome(() => {
      throw new TypeError('x.forEach is not a function');
    }), {}, 'subject')).toThrow(/subject crashed with TypeError: x.forEach is not a function/);
    expect(() => expectNoCrash({ kind: 'invalid', problems: [{ prop: '', problem: 'is bad', value: "'x'", fix: 'fix it' }] }, {}, 'subject')).toThrow();
    expect(() => expectNoCrash({ kind: 'invalid', problems: [] }, {}, 'subject')).toThrow();
  });

  test('an accepted tag with a Terraform interpolation reaches cdk.tf.json escaped (the synth check sees unescaped references)', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    new ImageRegistry(stack, 'Registry', { repositories: ['llm/vllm'], tags: { team: '${aws_iam_role.x.arn}' } });
    const json = Testing.synth(stack);
    expect(json).toContain('"team": "$${aws_iam_role.x.arn}"');
    expectValidTerraform(json);
  });
});
