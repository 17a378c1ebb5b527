import { TerraformStack, Testing } from 'cdktf';
import { RegistryReplicaDestination, RegistryReplication, RegistryReplicationProps } from '../../src/aws/registry-replication';
import { ValidationErrors } from '../../src/core/errors';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { ACCOUNT, errorOf, provider, REGION } from './fixtures';

const OTHER_ACCOUNT = '210987654321';
const BASE: RegistryReplicationProps = {
  region: REGION,
  accountId: ACCOUNT,
  repositories: ['llm/vllm', 'llm/gateway'],
  destinations: [{ region: 'us-west-2', accountId: OTHER_ACCOUNT }, { region: 'eu-west-1', accountId: ACCOUNT }],
};

function synthReplication(props: Partial<RegistryReplicationProps> = {}): { config: any; replication: RegistryReplication } {
  let replication!: RegistryReplication;
  const config = synthStack((stack) => {
    provider(stack);
    replication = new RegistryReplication(stack, 'Replication', { ...BASE, ...props });
  });
  return { config, replication };
}

function build(props: Partial<RegistryReplicationProps> = {}): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    new RegistryReplication(stack, 'Replication', { ...BASE, ...props });
  };
}

/** The problems (prop, problem, value) of the ValidationError `fn` throws. */
function problemsOf(fn: () => void): Array<{ prop: string; problem: string; value: string }> {
  try {
    fn();
  } catch (e: any) {
    if (!ValidationErrors.isValidationError(e)) throw e;
    return ValidationErrors.problemsOf(e).map((p) => ({ prop: p.prop, problem: p.problem, value: p.value }));
  }
  throw new Error('expected a ValidationError');
}

describe('RegistryReplication', () => {
  const { config, replication } = synthReplication();

  test('one rule: destinations sorted by account and region, repositories as sorted prefix filters', () => {
    expect(Object.keys(resourcesOf(config, 'aws_ecr_replication_configuration'))).toEqual(['registry']);
    expect(onlyResource(config, 'aws_ecr_replication_configuration')).toEqual({
      replication_configuration: {
        rule: [{
          destination: [
            { region: 'eu-west-1', registry_id: ACCOUNT },
            { region: 'us-west-2', registry_id: OTHER_ACCOUNT },
          ],
          repository_filter: [
            { filter: 'llm/gateway', filter_type: 'PREFIX_MATCH' },
            { filter: 'llm/vllm', filter_type: 'PREFIX_MATCH' },
          ],
        }],
      },
    });
    expect(replication.destinations).toEqual([{ region: 'eu-west-1', accountId: ACCOUNT }, { region: 'us-west-2', accountId: OTHER_ACCOUNT }]);
  });

  test('destinations of one account sort by region; repositories are deduplicated', () => {
    const destinations: RegistryReplicaDestination[] = [
      { region: 'us-west-2', accountId: OTHER_ACCOUNT },
      { region: 'eu-west-1', accountId: OTHER_ACCOUNT },
      { region: 'ap-south-1', accountId: ACCOUNT },
      { region: 'us-east-1', accountId: OTHER_ACCOUNT },
    ];
    const { config: cfg, replication: r } = synthReplication({ destinations, repositories: ['mirror/aws-cli', 'llm/vllm', 'mirror/aws-cli', 'llm/vllm'] });
    const rule = onlyResource(cfg, 'aws_ecr_replication_configuration').replication_configuration.rule;
    expect(rule).toHaveLength(1);
    expect(rule[0].destination).toEqual([
      { region: 'ap-south-1', registry_id: ACCOUNT },
      { region: 'eu-west-1', registry_id: OTHER_ACCOUNT },
      { region: 'us-east-1', registry_id: OTHER_ACCOUNT },
      { region: 'us-west-2', registry_id: OTHER_ACCOUNT },
    ]);
    expect(rule[0].repository_filter).toEqual([
      { filter: 'llm/vllm', filter_type: 'PREFIX_MATCH' },
      { filter: 'mirror/aws-cli', filter_type: 'PREFIX_MATCH' },
    ]);
    expect(r.destinations.map((d) => `${d.accountId}/${d.region}`)).toEqual([
      `${ACCOUNT}/ap-south-1`, `${OTHER_ACCOUNT}/eu-west-1`, `${OTHER_ACCOUNT}/us-east-1`, `${OTHER_ACCOUNT}/us-west-2`,
    ]);
    // the props are not reordered
    expect(destinations[0]).toEqual({ region: 'us-west-2', accountId: OTHER_ACCOUNT });
  });

  test('the logical id comes from the name', () => {
    const { config: cfg } = synthReplication({ name: 'acme-prod' });
    expect(Object.keys(resourcesOf(cfg, 'aws_ecr_replication_configuration'))).toEqual(['acme_prod']);
  });

  test('the same account in another region, and another account in the same region, are destinations', () => {
    const { config: cfg } = synthReplication({ destinations: [{ region: REGION, accountId: OTHER_ACCOUNT }, { region: 'us-east-2', accountId: ACCOUNT }] });
    expect(onlyResource(cfg, 'aws_ecr_replication_configuration').replication_configuration.rule[0].destination).toEqual([
      { region: 'us-east-2', registry_id: ACCOUNT },
      { region: REGION, registry_id: OTHER_ACCOUNT },
    ]);
  });

  test('100 repositories (after deduplication) and 25 destinations are the limits', () => {
    const repositories = [...Array.from({ length: 100 }, (_, i) => `llm/model-${String(i).padStart(3, '0')}`), 'llm/model-000'];
    const destinations = Array.from({ length: 25 }, (_, i) => ({ region: 'eu-west-1', accountId: String(100000000000 + i) }));
    const { config: cfg } = synthReplication({ repositories, destinations });
    const rule = onlyResource(cfg, 'aws_ecr_replication_configuration').replication_configuration.rule[0];
    expect(rule.repository_filter).toHaveLength(100);
    expect(rule.destination).toHaveLength(25);
  });
});

describe('RegistryReplication errors', () => {
  test('no repositories', () => {
    expect(problemsOf(build({ repositories: [] }))).toEqual([{ prop: 'repositories', problem: 'must list at least one repository', value: '[]' }]);
    expect(errorOf(build({ repositories: [] }))).toBe("test/Replication: 'repositories' must list at least one repository, got []; add e.g. 'llm/vllm'");
  });

  test('more than 100 repositories', () => {
    const repositories = Array.from({ length: 101 }, (_, i) => `llm/model-${i}`);
    expect(problemsOf(build({ repositories }))).toEqual([
      { prop: 'repositories', problem: 'lists 101 repositories; one replication rule holds at most 100 filters', value: '101' },
    ]);
  });

  test('a repository name violating ECR naming rules', () => {
    expect(errorOf(build({ repositories: ['LLM/vLLM'] }))).toMatch(/'repositories' must be an ECR repository name, got 'LLM\/vLLM'/);
  });

  test('no destinations', () => {
    expect(problemsOf(build({ destinations: [] }))).toEqual([{ prop: 'destinations', problem: 'must list at least one registry', value: '[]' }]);
  });

  test('more than 25 destinations', () => {
    const destinations = Array.from({ length: 26 }, (_, i) => ({ region: 'eu-west-1', accountId: String(100000000000 + i) }));
    expect(problemsOf(build({ destinations }))).toEqual([
      { prop: 'destinations', problem: 'lists 26 registries; a registry replicates to at most 25', value: '26' },
    ]);
  });

  test('the source registry itself', () => {
    expect(problemsOf(build({ destinations: [{ region: 'eu-west-1', accountId: ACCOUNT }, { region: REGION, accountId: ACCOUNT }] }))).toEqual([
      { prop: 'destinations[1]', problem: 'is the source registry itself', value: "'123456789012/us-east-1'" },
    ]);
  });

  test('a registry listed twice', () => {
    expect(problemsOf(build({ destinations: [{ region: 'eu-west-1', accountId: OTHER_ACCOUNT }, { region: 'eu-west-1', accountId: OTHER_ACCOUNT }] }))).toEqual([
      { prop: 'destinations[1]', problem: 'names a registry twice', value: "'210987654321/eu-west-1'" },
    ]);
  });

  test('a bad account id or region', () => {
    expect(problemsOf(build({ destinations: [{ region: 'eu-west-1', accountId: '2109876543' }] }))).toEqual([
      { prop: 'destinations[0].accountId', problem: 'must be a 12-digit AWS account id', value: "'2109876543'" },
    ]);
    expect(problemsOf(build({ destinations: [{ region: 'eu-west-1', accountId: OTHER_ACCOUNT }, { region: 'Ireland', accountId: OTHER_ACCOUNT }] }))).toEqual([
      { prop: 'destinations[1].region', problem: 'must be an AWS region', value: "'Ireland'" },
    ]);
    expect(errorOf(build({ destinations: [{ region: 'eu-west', accountId: 'prod' }] }))).toBe([
      'test/Replication: 2 problems:',
      "- 'destinations[0].accountId' must be a 12-digit AWS account id, got 'prod'; use e.g. '123456789012'",
      "- 'destinations[0].region' must be an AWS region, got 'eu-west'; use e.g. 'eu-west-1'",
    ].join('\n'));
  });

  test('two replication configurations for one registry in one stack', () => {
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      provider(stack);
      new RegistryReplication(stack, 'A', BASE);
      new RegistryReplication(stack, 'B', BASE);
    })).toMatch(/'name' gives a name already used by test\/A\/Resource \(aws_ecr_replication_configuration\.registry\)/);
  });
});

describe('RegistryReplication source', () => {
  test('a bad source account or region is refused', () => {
    expect(problemsOf(build({ accountId: 'x', region: 'not a region' })).map((p) => p.prop)).toEqual(['accountId', 'region']);
  });
});
