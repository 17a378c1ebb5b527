/**
 * The repository's Markdown pages, for the docs tests (links, code blocks).
 */
import * as fs from 'fs';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The pages users read: README.md, docs/*.md, every src/**\/README.md, and API.md (generated from the
 * TSDoc comments by `npx projen docgen`, so the comments' links are checked too).
 */
export function markdownPages(options: { includeApi?: boolean } = {}): string[] {
  const pages = ['README.md'];
  const docs = path.join(REPO_ROOT, 'docs');
  if (fs.existsSync(docs)) {
    for (const f of fs.readdirSync(docs).sort()) if (f.endsWith('.md')) pages.push(`docs/${f}`);
  }
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name === 'README.md') pages.push(rel);
    }
  };
  walk('src');
  if (options.includeApi) pages.push('API.md');
  return pages;
}

/** One fenced code block of a page. */
export interface CodeBlock {
  /** The fence's info string (`ts`, `ts continued`, `yaml`). */
  readonly info: string;
  /** The block's text. */
  readonly code: string;
  /** 1-based line of the first code line in the page. */
  readonly line: number;
}

/** The fenced code blocks of a Markdown text (``` and ~~~ fences). */
export function codeBlocks(text: string): CodeBlock[] {
  const out: CodeBlock[] = [];
  const lines = text.split('\n');
  let open: { fence: string; info: string; start: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
      if (m) open = { fence: m[1], info: m[2].trim(), start: i + 2, body: [] };
      return;
    }
    if (new RegExp(`^ {0,3}${open.fence[0]}{${open.fence.length},}\\s*$`).test(line)) {
      out.push({ info: open.info, code: open.body.join('\n'), line: open.start });
      open = undefined;
      return;
    }
    open.body.push(line);
  });
  return out;
}

/** The text with fenced code blocks (and, unless `keepCodeSpans`, inline code spans) blanked (same line numbers). */
export function proseOf(text: string, keepCodeSpans = false): string {
  const lines = text.split('\n');
  let fence: string | undefined;
  return lines.map((line) => {
    if (!fence) {
      const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      if (m) {
        fence = m[1];
        return '';
      }
      return keepCodeSpans ? line : line.replace(/(`+)[^`]*?\1/g, '');
    }
    if (new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(line)) fence = undefined;
    return '';
  }).join('\n');
}

/**
 * The GitHub anchors of a Markdown page's headings (`## 7. System truth: the platform twin` ->
 * `7-system-truth-the-platform-twin`; repeated headings get `-1`, `-2`, ...), and explicit
 * `<a name>`/`<a id>` anchors.
 */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const line of proseOf(text, true).split('\n')) {
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const base = h[1].replace(/<[^>]+>/g, '').toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
      const n = counts.get(base) ?? 0;
      counts.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(a[1]);
  }
  return anchors;
}
