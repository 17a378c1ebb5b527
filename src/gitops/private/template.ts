/**
 * A deliberately small evaluator for the Go-template expressions the ApplicationSets of this
 * library emit (`{{.path.path}}`, `{{.path.basename}}`, `{{.path.basenameNormalized}}`,
 * `{{index .path.segments N}}`, `{{.values.KEY}}`; from a cluster generator `{{.name}}`,
 * `{{.nameNormalized}}`, `{{.server}}`, `{{index .metadata.labels "KEY"}}`), used to expand generators
 * offline. Anything else is reported, never guessed.
 */
export interface TemplateParams {
  /** A git directory generator's path parameters. */
  readonly path?: { path: string; basename: string; basenameNormalized: string; segments: string[] };
  readonly values: { [key: string]: string };
  /** A cluster generator's parameters (Argo CD applicationset/generators/cluster.go getClusterParameters). */
  readonly cluster?: ClusterParams;
}

/** The parameters the cluster generator makes of a cluster Secret. */
export interface ClusterParams {
  readonly name: string;
  readonly nameNormalized: string;
  readonly server: string;
  readonly project: string;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
}

export class TemplateError extends Error {}

/** Render every string of `value` (deep), failing on expressions it does not understand. */
export function renderTemplate(value: any, params: TemplateParams): any {
  if (typeof value === 'string') return renderString(value, params);
  if (Array.isArray(value)) return value.map((v) => renderTemplate(v, params));
  if (value !== null && typeof value === 'object') {
    const out: any = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderTemplate(v, params);
    return out;
  }
  return value;
}

function renderString(text: string, params: TemplateParams): string {
  return text.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_m, expr: string) => evaluate(expr, params));
}

function evaluate(expr: string, params: TemplateParams): string {
  const needPath = () => {
    if (!params.path) throw new TemplateError(`'${expr}': the generator makes no path parameters (missingkey=error)`);
    return params.path;
  };
  const needCluster = () => {
    if (!params.cluster) throw new TemplateError(`'${expr}': the generator makes no cluster parameters (missingkey=error)`);
    return params.cluster;
  };
  const index = /^index \.path\.segments (\d+)$/.exec(expr);
  if (index) {
    const i = Number(index[1]);
    const p = needPath();
    if (i >= p.segments.length) throw new TemplateError(`'${expr}': the path has only ${p.segments.length} segments`);
    return p.segments[i];
  }
  const meta = /^index \.metadata\.(labels|annotations) "([^"]+)"$/.exec(expr);
  if (meta) {
    const map = needCluster()[meta[1] as 'labels' | 'annotations'];
    if (!(meta[2] in map)) throw new TemplateError(`'${expr}': cluster '${params.cluster!.name}' has no ${meta[1].slice(0, -1)} '${meta[2]}' (missingkey=error)`);
    return map[meta[2]];
  }
  switch (expr) {
    case '.path.path': return needPath().path;
    case '.path.basename': return needPath().basename;
    case '.path.basenameNormalized': return needPath().basenameNormalized;
    case '.name': return needCluster().name;
    case '.nameNormalized': return needCluster().nameNormalized;
    case '.server': return needCluster().server;
    case '.project': return needCluster().project;
    default:
  }
  const v = /^\.values\.([A-Za-z0-9_]+)$/.exec(expr);
  if (v) {
    if (!(v[1] in params.values)) throw new TemplateError(`'${expr}': the generator has no value '${v[1]}' (missingkey=error)`);
    return String(params.values[v[1]]);
  }
  throw new TemplateError(`'{{${expr}}}' is not an expression this checker evaluates`);
}

/** Go `path.Match`-style glob: `*` and `?` never cross `/`; `[...]` classes. */
export function globToRegExp(pattern: string, crossSegments = false): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {re += crossSegments ? '.*' : '[^/]*';} else if (c === '?') {re += crossSegments ? '.' : '[^/]';} else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) {re += '\\[';} else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else {re += c.replace(/[.+^${}()|\\/]/g, '\\$&');}
  }
  return new RegExp(`^${re}$`);
}
