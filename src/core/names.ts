import { createHash } from 'crypto';
import { IConstruct } from 'constructs';
import { ValidationError } from './errors';
import { checkArgs } from './private/runtime-types';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/**
 * Kubernetes naming rules (DNS-1123 labels and subdomains, label keys and values) and stable,
 * human-readable name derivation.
 *
 * Every Kubernetes object this library emits gets an explicit name derived from the spec with these
 * helpers, never a hash of the construct path ([DESIGN.md section 3](docs/DESIGN.md#3-construct-conventions-from-aws-cdk-cdk8s-plus-open-constructs)).
 */
export class Names {
  /**
   * Maximum length of a DNS-1123 label (namespaces, services, most object names).
   */
  public static readonly DNS1123_LABEL_MAX = 63;

  /**
   * Maximum length of a DNS-1123 subdomain (ConfigMaps, Deployments, ...).
   */
  public static readonly DNS1123_SUBDOMAIN_MAX = 253;

  /**
   * Whether `value` is a DNS-1123 label: lowercase alphanumerics and '-', starting and ending with an
   * alphanumeric, at most 63 characters.
   */
  public static isDns1123Label(value: string): boolean {
    return typeof value === 'string' && value.length <= Names.DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
  }

  /**
   * Whether `value` is a DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters.
   */
  public static isDns1123Subdomain(value: string): boolean {
    return typeof value === 'string' && value.length <= Names.DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value);
  }

  /**
   * Whether `value` is a valid label value: empty, or at most 63 alphanumerics, '-', '_' or '.',
   * starting and ending with an alphanumeric.
   */
  public static isLabelValue(value: string): boolean {
    return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
  }

  /**
   * Whether `key` is a valid label or annotation key: an optional DNS-1123 subdomain prefix and '/',
   * then a name of at most 63 alphanumerics, '-', '_' or '.'.
   */
  public static isLabelKey(key: string): boolean {
    if (typeof key !== 'string' || key.length === 0) return false;
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined && !Names.isDns1123Subdomain(prefix)) return false;
    return name.length <= 63 && LABEL_NAME.test(name);
  }

  /**
   * Throw a ValidationError unless `value` is a DNS-1123 label.
   *
   * @param prop the prop name for the error message
   * @param value the name to check
   * @param scope the construct, for the error's path
   * @returns `value`
   */
  public static validateDns1123Label(prop: string, value: string, scope?: IConstruct): string {
    if (!Names.isDns1123Label(value)) {
      throw new ValidationError(prop, dns1123Problem(value, Names.DNS1123_LABEL_MAX), value,
        `use lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. '${Names.toDns1123Label(String(value ?? 'name'))}')`, scope);
    }
    return value;
  }

  /**
   * Throw a ValidationError unless `value` is a DNS-1123 subdomain.
   *
   * @returns `value`
   */
  public static validateDns1123Subdomain(prop: string, value: string, scope?: IConstruct): string {
    if (!Names.isDns1123Subdomain(value)) {
      throw new ValidationError(prop, dns1123Problem(value, Names.DNS1123_SUBDOMAIN_MAX, 'subdomain'), value,
        "use lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit", scope);
    }
    return value;
  }

  /**
   * Throw a ValidationError unless every key and value of `labels` is valid.
   *
   * @returns `labels`
   */
  public static validateLabels(prop: string, labels: { [key: string]: string }, scope?: IConstruct): { [key: string]: string } {
    for (const [key, value] of Object.entries(labels ?? {})) {
      if (!Names.isLabelKey(key)) {
        throw new ValidationError(`${prop}.${key}`, 'is not a valid label key', key,
          "use an optional DNS-1123 prefix and '/', then at most 63 letters, digits, '-', '_' or '.'", scope);
      }
      if (!Names.isLabelValue(value)) {
        throw new ValidationError(`${prop}.${key}`, 'is not a valid label value', value,
          "use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit", scope);
      }
    }
    return labels;
  }

  /**
   * Derive a DNS-1123 label from free text: lowercased, runs of other characters turned into '-',
   * trimmed; when longer than `maxLength`, cut and suffixed with a short stable hash of the whole
   * input so distinct inputs stay distinct. Deterministic.
   *
   * @param text the text to derive from, e.g. `Llama3 8B Instruct`
   * @param maxLength the maximum length
   * @default maxLength 63
   */
  public static toDns1123Label(text: string, maxLength?: number): string {
    checkArgs('Names#toDns1123Label', [text, maxLength]);
    const max = maxLength ?? Names.DNS1123_LABEL_MAX;
    if (max < 10 || max > Names.DNS1123_LABEL_MAX) {
      throw new ValidationError('maxLength', `must be between 10 and ${Names.DNS1123_LABEL_MAX}`, max, 'pass a length that leaves room for the hash suffix');
    }
    let name = String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    if (name.length === 0) name = 'x';
    if (name.length <= max) return name;
    const hash = createHash('sha256').update(String(text)).digest('hex').slice(0, 8);
    const head = name.slice(0, max - hash.length - 1).replace(/-+$/, '');
    return `${head}-${hash}`;
  }

  /**
   * Join parts into a DNS-1123 label (`joinLabel(['search', 'gpu', 'quota'])` is `search-gpu-quota`),
   * shortened as in `toDns1123Label` when too long.
   */
  public static joinLabel(parts: string[], maxLength?: number): string {
    checkArgs('Names#joinLabel', [parts, maxLength]);
    return Names.toDns1123Label(parts.filter((p) => p !== undefined && p !== '').join('-'), maxLength);
  }

  private constructor() {}
}

function dns1123Problem(value: unknown, max: number, what: string = 'label'): string {
  if (typeof value !== 'string' || value.length === 0) return `must be a non-empty DNS-1123 ${what}`;
  if (value.length > max) return `must be a DNS-1123 ${what} of at most ${max} characters (is ${value.length})`;
  return `must be a DNS-1123 ${what}`;
}
