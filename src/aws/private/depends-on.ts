import { IResolvable, IResolveContext, ITerraformDependable, Token } from 'cdktf';

/**
 * A `depends_on` entry for `element`, to add to a resource's `dependsOn` after the resource was
 * constructed (internal). cdktf turns `dependsOn` given at construction into the same token; this
 * lets a dependency found later (an inline policy created by the first grant) join it.
 */
export function dependsOnEntry(element: ITerraformDependable): string {
  return Token.asString(new DependsOnEntry(element));
}

class DependsOnEntry implements IResolvable {
  public readonly creationStack: string[] = [];

  constructor(private readonly element: ITerraformDependable) {}

  public resolve(context: IResolveContext): string {
    // `depends_on` takes bare addresses (`aws_iam_role_policy.x`), not `${...}` interpolations.
    context.suppressBraces = true;
    return this.element.fqn;
  }

  public toString(): string {
    return Token.asString(this);
  }
}
