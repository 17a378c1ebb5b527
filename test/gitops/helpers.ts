import { ValidationError } from '../../src/core/errors';
import { GitOpsLayout } from '../../src/gitops';

export const REPO = 'https://git.example.com/acme/platform-gitops.git';

/** A layout with two environments, two tenants and two platform components. */
export function exampleLayout(extra: any = {}): GitOpsLayout {
  return new GitOpsLayout({
    repoUrl: REPO,
    environments: [{ name: 'dev' }, { name: 'prod', server: 'https://prod.eks.example.com' }],
    tenants: [{ name: 'search' }, { name: 'chat', namespaces: ['chat', 'chat-batch'] }],
    platformComponents: [{ name: 'tenancy' }, { name: 'policies' }],
    ...extra,
  });
}

/** Assert `fn` throws a ValidationError whose message contains every fragment. */
export function expectValidationError(fn: () => void, ...fragments: string[]): void {
  let caught: any;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeDefined();
  expect(ValidationError.isValidationError(caught)).toBe(true);
  for (const f of fragments) expect(caught.message).toContain(f);
}
