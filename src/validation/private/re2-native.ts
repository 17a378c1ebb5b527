/**
 * RE2 patterns that JavaScript's own RegExp decides exactly as RE2 does (issue 18).
 *
 * CEL's `matches()` follows RE2 (the API server runs Go's regexp). `@bufbuild/cel` runs it through RE2JS,
 * a JavaScript port that loads ~20 modules and interprets its automaton on every input: tens of
 * milliseconds per synth for the handful of patterns the rules use (`@sha256:[a-f0-9]{64}$`, ...). For a
 * conservative subset of the syntax whose meaning is the same in both engines, this translates the
 * pattern into an equivalent JavaScript RegExp; anything else returns undefined and stays with RE2JS.
 *
 * The subset, and how each piece is translated. Source: Go's regexp/syntax/doc.go, the syntax the API server's
 * CEL `matches()` runs (cel-go on Go's regexp): "Perl character classes (all ASCII-only): \\d digits (== [0-9]),
 * \\s whitespace (== [\\t\\n\\f\\r ]), \\w word characters (== [0-9A-Za-z_])", ". any character, possibly including
 * newline (flag s=true)" (off by default), `^`/`$` at beginning/end of text unless flag m, repetition counts at
 * most 1000. The test checks every translation against RE2JS, the engine @bufbuild/cel runs, on generated inputs:
 * - literal characters (`\` escapes of ASCII punctuation included), emitted escaped;
 * - `.`: any character but `\n` in RE2 (no `s` flag), so `[^\n]` (JS's `.` also refuses `\r`, U+2028 and U+2029);
 * - `^` and `$`: start and end of the text (no `m` flag in either: JS's `$` does not match before a final newline);
 * - `\d`, `\D`, `\w`, `\W`: ASCII in both (`[0-9]`, `[0-9A-Za-z_]`); `\s`/`\S` differ (RE2: `[\t\n\f\r ]`) and
 *   are translated to that class;
 * - bracket classes of literal characters, ranges and the escapes above, negated or not (both engines
 *   match `\n` in a negated class);
 * - groups `( )` and `(?: )`, alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (n, m <= 1000, RE2's
 *   limit) and their lazy forms.
 * JavaScript runs with the `u` flag, so it reads code points as RE2 reads UTF-8 runes. Whether a pattern
 * matches somewhere in the input does not depend on leftmost-first or leftmost-longest semantics, so
 * `test` answers as RE2 does for every pattern of the subset.
 */

const ASCII_PUNCT = /^[!-/:-@[-`{-~]$/;
const SPACE_CLASS = '\\t\\n\\f\\r ';

/** The JavaScript RegExp deciding `pattern` exactly as RE2 does, or undefined outside the subset. */
export function nativeRegExp(pattern: string): RegExp | undefined {
  const source = translate(pattern);
  if (source === undefined) return undefined;
  try {
    return new RegExp(source, 'u');
  } catch {
    return undefined; // e.g. unbalanced parentheses: RE2JS reports it as RE2 would
  }
}

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch === '\n' ? '\\n' : ch;
}

/** Translate an escape (after the backslash) outside or inside a class; undefined when not in the subset. */
function escape(ch: string | undefined, inClass: boolean): string | undefined {
  if (ch === undefined) return undefined;
  switch (ch) {
    case 'd': return '\\d';
    case 'D': return inClass ? undefined : '\\D';
    case 'w': return '\\w';
    case 'W': return inClass ? undefined : '\\W';
    case 's': return inClass ? SPACE_CLASS : `[${SPACE_CLASS}]`;
    case 'S': return inClass ? undefined : `[^${SPACE_CLASS}]`;
    case 'n': return '\\n';
    case 't': return '\\t';
    case 'r': return '\\r';
    case 'f': return '\\f';
    default:
      return ASCII_PUNCT.test(ch) ? escapeLiteral(ch) : undefined;
  }
}

function translate(pattern: string): string | undefined {
  if (typeof pattern !== 'string') return undefined;
  const chars = [...pattern]; // code points
  let out = '';
  let depth = 0;
  let canRepeat = false; // a quantifier needs an atom before it
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    switch (ch) {
      case '\\': {
        const e = escape(chars[++i], false);
        if (e === undefined) return undefined;
        out += e;
        canRepeat = true;
        break;
      }
      case '.':
        out += '[^\\n]';
        canRepeat = true;
        break;
      case '^':
      case '$':
        out += ch;
        canRepeat = false;
        break;
      case '|':
        out += '|';
        canRepeat = false;
        break;
      case '(': {
        if (chars[i + 1] === '?') {
          if (chars[i + 2] !== ':') return undefined; // flags, named groups
          out += '(?:';
          i += 2;
        } else {
          out += '(';
        }
        depth++;
        canRepeat = false;
        break;
      }
      case ')':
        if (depth === 0) return undefined;
        depth--;
        out += ')';
        canRepeat = true;
        break;
      case '*':
      case '+':
      case '?': {
        if (!canRepeat) return undefined;
        out += ch;
        if (chars[i + 1] === '?') {
          out += '?';
          i++;
        }
        canRepeat = false;
        break;
      }
      case '{': {
        const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(chars.slice(i).join(''));
        if (!m) return undefined; // RE2 reads a lone '{' as a literal, JS with `u` refuses it: leave it to RE2
        const min = Number(m[1]);
        const max = m[3] === undefined || m[3] === '' ? undefined : Number(m[3]);
        if (!canRepeat || min > 1000 || (max !== undefined && (max > 1000 || max < min))) return undefined;
        out += m[0];
        i += [...m[0]].length - 1;
        if (chars[i + 1] === '?') {
          out += '?';
          i++;
        }
        canRepeat = false;
        break;
      }
      case '[': {
        const cls = translateClass(chars, i);
        if (!cls) return undefined;
        out += cls.source;
        i = cls.end;
        canRepeat = true;
        break;
      }
      case '}':
      case ']':
        return undefined; // literal in RE2, a syntax error in JS with `u`: leave it to RE2
      default:
        out += escapeLiteral(ch);
        canRepeat = true;
    }
  }
  return depth === 0 ? out : undefined;
}

/** A bracket class starting at `start` ('['): its JS source and the index of its ']'. */
function translateClass(chars: string[], start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let source = '[';
  if (chars[i] === '^') {
    source += '^';
    i++;
  }
  let first = true;
  for (; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === ']' && !first) return { source: `${source}]`, end: i };
    first = false;
    if (ch === '[') return undefined; // [[:alpha:]] and friends
    if (ch === '\\') {
      const e = escape(chars[++i], true);
      if (e === undefined) return undefined;
      source += e;
      continue;
    }
    if (ch === '-') {
      // a range needs literal ends on both sides; a '-' first or last is a literal
      const prev = chars[i - 1];
      const next = chars[i + 1];
      const literalDash = i === start + 1 || (i === start + 2 && chars[start + 1] === '^') || next === ']';
      if (literalDash) {
        source += '\\-';
        continue;
      }
      if (prev === undefined || next === undefined || next === '\\' || prev === '\\' || next === '[') return undefined;
      source += '-';
      continue;
    }
    source += /[\\\]^-]/.test(ch) ? `\\${ch}` : ch === '\n' ? '\\n' : ch;
  }
  return undefined; // unterminated
}
