import { ValidationError } from '../core/errors';
import { componentId } from './private/component';
import { checkProps } from '../core/private/runtime-types';

/**
 * Options of the sigv4auth extension.
 */
export interface Sigv4AuthOptions {
  /**
   * Extension name (the id becomes `sigv4auth/<name>`), for several AWS services with different
   * settings.
   *
   * @default - the id is `sigv4auth`
   */
  readonly name?: string;
  /** The AWS region of the endpoint, e.g. `us-east-1`. */
  readonly region: string;
  /**
   * The AWS service signed for (`aps` for Amazon Managed Service for Prometheus, `xray` for X-Ray).
   *
   * @default - inferred by the extension from the exporter's endpoint
   */
  readonly service?: string;
  /**
   * A role to assume on top of the pod's credentials (cross-account remote write).
   *
   * @default - the pod's own credentials (EKS Pod Identity)
   */
  readonly assumeRoleArn?: string;
}

/**
 * Options of an extension this library does not preset.
 */
export interface CustomExtensionOptions {
  /** The component type, e.g. `oauth2client`. */
  readonly type: string;
  /**
   * Component name.
   *
   * @default - the id is the type
   */
  readonly name?: string;
  /**
   * Its configuration.
   *
   * @default {}
   */
  readonly config?: { [key: string]: any };
}

/**
 * A collector extension (health check, authenticators). Every extension added to a pipeline is
 * enabled in `service.extensions`.
 */
export class CollectorExtension {
  /**
   * health_check on 13133 (the operator's probes use it).
   */
  public static healthCheck(): CollectorExtension {
    return new CollectorExtension('health_check', { endpoint: '0.0.0.0:13133' });
  }

  /**
   * sigv4auth: signs exporter requests with AWS SigV4 using the pod's credentials. With EKS Pod
   * Identity, associate an IAM role with the collector's ServiceAccount (`TelemetryPipeline.serviceAccountName`);
   * the AWS SDK in the collector picks the credentials up from the Pod Identity agent.
   */
  public static sigv4Auth(options: Sigv4AuthOptions): CollectorExtension {
    checkProps('observability.Sigv4AuthOptions', options, 'options');
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region)) {
      throw new ValidationError('region', 'must be an AWS region', options.region, "use e.g. 'us-east-1'");
    }
    if (options.assumeRoleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(options.assumeRoleArn)) {
      throw new ValidationError('assumeRoleArn', 'must be an IAM role ARN', options.assumeRoleArn, "use e.g. 'arn:aws:iam::123456789012:role/amp-writer'");
    }
    return new CollectorExtension(componentId('extension', 'sigv4auth', options.name), {
      region: options.region,
      ...(options.service ? { service: options.service } : {}),
      ...(options.assumeRoleArn ? { assume_role: { arn: options.assumeRoleArn } } : {}),
    });
  }

  /**
   * An extension this library does not preset.
   */
  public static custom(options: CustomExtensionOptions): CollectorExtension {
    checkProps('observability.CustomExtensionOptions', options, 'options');
    return new CollectorExtension(componentId('extension', options.type, options.name), { ...(options.config ?? {}) });
  }

  /** The component id (`health_check`, `sigv4auth/aps`). */
  public readonly componentId: string;
  /** Its configuration. */
  public readonly config: { [key: string]: any };

  private constructor(id: string, config: { [key: string]: any }) {
    this.componentId = id;
    this.config = config;
  }
}
