import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';

const CLAIMS = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Record that `claimant` (an Application or ApplicationSet, by construct path) syncs `directory`,
 * for every construct under the same root. Two claimants of one directory are a ValidationError:
 * Argo CD would make two Applications fight over the same objects.
 */
export function claimDirectory(scope: IConstruct, directory: string, claimant: string): void {
  const root = scope.node.root;
  let claims = CLAIMS.get(root);
  if (!claims) {
    claims = new Map();
    CLAIMS.set(root, claims);
  }
  const previous = claims.get(directory);
  if (previous !== undefined && previous !== claimant) {
    throw new ValidationError('directories', `claims a directory already synced by ${previous}`, directory,
      'let exactly one Application sync each directory (narrow the selection or the environments of one of them)', scope);
  }
  claims.set(directory, claimant);
}
