/**
 * Escaping of user strings for Terraform JSON (internal, issue 17).
 *
 * Terraform evaluates `${...}` (interpolation) and `%{...}` (template directives) in every JSON string
 * value; a literal is written `$${` and `%%{` (Terraform language docs, "Strings and Templates" >
 * "Escape Sequences"; JSON syntax evaluates string values as templates). A tag value or policy string
 * holding `${aws_iam_role.x.arn}` would otherwise be evaluated by Terraform. cdktf's own tokens are
 * encoded in strings as `${TfToken[...]}` and stay as they are, so token-bearing strings keep working.
 */
const INTERPOLATION = /\$\{(?!TfToken\[)/g;
const DIRECTIVE = /%\{/g;

/** `value` with Terraform interpolation and directive openers escaped (cdktf tokens untouched). */
export function escapeTerraform(value: string): string {
  if (typeof value !== 'string' || (!value.includes('${') && !value.includes('%{'))) return value;
  return value.replace(INTERPOLATION, '$$${').replace(DIRECTIVE, '%%{');
}

const escapedTags = new WeakMap<object, { [key: string]: string }>();

/**
 * User tags (keys and values) escaped for Terraform, or undefined. The same input object gives the same
 * output object, so constructs may call this wherever they pass `props.tags` on.
 */
export function escapeTags(tags: { [key: string]: string } | undefined): { [key: string]: string } | undefined {
  if (tags === undefined || tags === null || typeof tags !== 'object') return tags;
  const cached = escapedTags.get(tags);
  if (cached) return cached;
  const out: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(tags)) out[escapeTerraform(k)] = escapeTerraform(v);
  escapedTags.set(tags, out);
  return out;
}
