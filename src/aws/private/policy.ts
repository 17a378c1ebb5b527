import { Lazy } from 'cdktf';
import { escapeTerraform } from './terraform-escape';

/**
 * One IAM policy statement (JSON shape).
 */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: any;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: { [operator: string]: { [key: string]: string | string[] | boolean } };
}

/**
 * IAM policy documents as JSON strings (internal). Tokens inside strings resolve at synth time.
 */
export class PolicyDocuments {
  /** A policy document with these statements. */
  public static json(statements: Statement[]): string {
    // user ARNs, prefixes and conditions (IAM policy variables such as `${aws:username}`) are literal text to Terraform
    return escapeTerraform(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
  }

  /** A policy document rendered lazily from `produce()` (statements added after construction). */
  public static lazy(produce: () => Statement[]): string {
    return Lazy.stringValue({ produce: () => PolicyDocuments.json(produce()) });
  }

  /** A trust policy for AWS service principals. */
  public static trust(services: string[], actions: string[] = ['sts:AssumeRole'], condition?: Statement['Condition']): string {
    return PolicyDocuments.json([{
      Effect: 'Allow',
      Principal: { Service: services.length === 1 ? services[0] : services },
      Action: actions,
      ...(condition ? { Condition: condition } : {}),
    }]);
  }

  /** A statement denying every request to `resources` that is not sent over TLS. */
  public static denyInsecureTransport(action: string, resources: string[]): Statement {
    return {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: action,
      Resource: resources,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
  }

  private constructor() {}
}
