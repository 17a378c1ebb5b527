/**
 * URL checks shared by the spec validator and the constructs (issue 17), so both entry points refuse the same
 * values: WHATWG URL parsing (Node's `URL`), an allowed scheme, a host, and no whitespace, control characters or
 * Terraform interpolation (`${`, `%{`) anywhere.
 */

/** Why `value` is not an absolute URL with one of `schemes` (e.g. `['https:']`), or undefined. */
export function urlProblem(value: unknown, schemes: readonly string[]): string | undefined {
  const what = `must be an absolute ${schemes.map((s) => s.replace(/:$/, '')).join(' or ')} URL`;
  if (typeof value !== 'string' || value === '') return what;
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return `${what} without spaces or control characters`;
  if (/[$%]\{/.test(value)) return `${what} without a Terraform interpolation (\${ or %{)`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return what;
  }
  if (!schemes.includes(url.protocol)) return what;
  // WHATWG parsing repairs 'https:///x' to host 'x'; Go's url.Parse (Argo CD, collectors) sees no host
  if (url.hostname === '' || !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]/i.test(value)) return `${what} with a host`;
  return undefined;
}

/**
 * Why `value` is not a Git clone URL Argo CD takes (`https://`, `ssh://` or scp-like `git@host:path`), or undefined.
 */
export function gitUrlProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && value.startsWith('git@')) {
    return /^git@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+$/.test(value) ? undefined : "must be a clone URL ('git@<host>:<path>' has a host, ':' and a path)";
  }
  const problem = urlProblem(value, ['https:', 'ssh:']);
  return problem === undefined ? undefined : problem.replace('must be an absolute https or ssh URL', 'must be an https or ssh clone URL');
}
