import { EcrReplicationConfiguration } from '@cdktf/provider-aws/lib/ecr-replication-configuration';
import { Construct } from 'constructs';
import { ProblemCollector } from '../core/errors';
import { isAwsRegion } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { checkProps } from '../core/private/runtime-types';

/**
 * A registry (an account's ECR in one region) that receives replicated images.
 */
export interface RegistryReplicaDestination {
  /** The region. */
  readonly region: string;
  /** The 12-digit account id. */
  readonly accountId: string;
}

/**
 * Props for `RegistryReplication`.
 */
export interface RegistryReplicationProps {
  /** The source registry's region (the stack's provider region). */
  readonly region: string;
  /** The source registry's account (the stack's provider account). */
  readonly accountId: string;
  /** The repositories to replicate (each a prefix filter; their tags include cosign's signatures and attestations). */
  readonly repositories: string[];
  /** The registries that receive every image pushed from now on. */
  readonly destinations: RegistryReplicaDestination[];
  /**
   * Readable name for the Terraform id.
   *
   * @default 'registry'
   */
  readonly name?: string;
}

/** ECR User Guide, "Considerations for private image replication": 25 unique destinations, 100 filters per rule. */
const MAX_DESTINATIONS = 25;
const MAX_FILTERS = 100;

/**
 * ECR private image replication from this account's registry in one region to other regions and accounts
 * (`aws_ecr_replication_configuration`, one per account and region: the registry's only one): every image pushed
 * to `repositories` after it is configured is copied, with the same digest (signatures and attestations are tags of
 * the same repositories and follow). The destinations' repositories must exist (their stacks create them with their
 * own encryption, immutable tags and scanning: repositories that replication creates get none of these), and a
 * destination in another account must allow this account (`ImageRegistryProps.replicationSourceAccountIds`).
 * Replication never deletes (ECR User Guide, "Private image replication").
 *
 * ```ts
 * new RegistryReplication(stack, 'Replication', {
 *   region: 'us-east-1', accountId: '123456789012', repositories: ['llm/vllm'],
 *   destinations: [{ region: 'eu-west-1', accountId: '123456789012' }],
 * });
 * ```
 */
export class RegistryReplication extends Construct {
  /** The destinations (sorted by account and region). */
  public readonly destinations: RegistryReplicaDestination[];

  constructor(scope: Construct, id: string, props: RegistryReplicationProps) {
    super(scope, id);
    checkProps('aws.RegistryReplicationProps', props, 'props', this);
    const problems = new ProblemCollector(this);
    const repositories = [...new Set(props.repositories)].sort();
    problems.check(repositories.length > 0, 'repositories', 'must list at least one repository', props.repositories, "add e.g. 'llm/vllm'");
    problems.check(repositories.length <= MAX_FILTERS, 'repositories', `lists ${repositories.length} repositories; one replication rule holds at most ${MAX_FILTERS} filters`,
      repositories.length, 'group repositories under fewer prefixes');
    for (const r of repositories) AwsNames.validate('ecrRepository', 'repositories', r, this);
    problems.check(/^\d{12}$/.test(props.accountId), 'accountId', 'must be a 12-digit AWS account id', props.accountId, "use the stack's account, e.g. '123456789012'");
    problems.check(isAwsRegion(props.region), 'region', 'must be an AWS region', props.region, "use the stack's region, e.g. 'us-east-1'");
    const seen = new Set<string>();
    props.destinations.forEach((d, i) => {
      const at = `destinations[${i}]`;
      problems.check(/^\d{12}$/.test(d.accountId), `${at}.accountId`, 'must be a 12-digit AWS account id', d.accountId, "use e.g. '123456789012'");
      problems.check(isAwsRegion(d.region), `${at}.region`, 'must be an AWS region', d.region, "use e.g. 'eu-west-1'");
      const key = `${d.accountId}/${d.region}`;
      problems.check(!(d.accountId === props.accountId && d.region === props.region), at, 'is the source registry itself', key, 'name another region or account');
      problems.check(!seen.has(key), at, 'names a registry twice', key, 'list each destination once');
      seen.add(key);
    });
    problems.check(props.destinations.length > 0, 'destinations', 'must list at least one registry', props.destinations, "add e.g. { region: 'eu-west-1', accountId: '123456789012' }");
    problems.check(props.destinations.length <= MAX_DESTINATIONS, 'destinations', `lists ${props.destinations.length} registries; a registry replicates to at most ${MAX_DESTINATIONS}`,
      props.destinations.length, 'replicate into fewer registries (e.g. one per region, shared by its clusters)');
    problems.throwIfAny();
    this.destinations = [...props.destinations].sort((a, b) => `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`));
    const name = props.name ?? 'registry';
    AwsNames.stable(new EcrReplicationConfiguration(this, 'Resource', {
      replicationConfiguration: {
        rule: [{
          destination: this.destinations.map((d) => ({ region: d.region, registryId: d.accountId })),
          repositoryFilter: repositories.map((filter) => ({ filter, filterType: 'PREFIX_MATCH' })),
        }],
      },
    }), 'aws_ecr_replication_configuration', [name], 'name');
  }
}
