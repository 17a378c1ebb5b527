/**
 * No link of the docs leaves the repository, and every relative link resolves: README.md, docs/*.md,
 * src/**\/README.md and API.md (generated from the TSDoc comments, whose links are relative to the
 * repository root where API.md sits). A link into a Markdown page with `#anchor` must name one of its
 * headings. External links (http(s), mailto) are not fetched.
 */
import * as fs from 'fs';
import * as path from 'path';
import { anchorsOf, markdownPages, proseOf, REPO_ROOT } from './markdown';

interface Link {
  readonly page: string;
  readonly line: number;
  readonly target: string;
}

/** Inline links and images `[text](target "title")`, reference definitions `[id]: target`, `<a href>`/`<img src>`. */
export function linksOf(page: string, text: string): Link[] {
  const out: Link[] = [];
  proseOf(text).split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ page, line: i + 1, target: m[1] });
    const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (def) out.push({ page, line: i + 1, target: def[1] });
    for (const m of line.matchAll(/<(?:a|img)\s[^>]*?(?:href|src)="([^"]+)"/g)) out.push({ page, line: i + 1, target: m[1] });
  });
  return out;
}

/** What is wrong with a link, or undefined when it resolves inside the repository. */
export function problemOf(link: Link, root = REPO_ROOT): string | undefined {
  const target = link.target;
  if (/^(https?:|mailto:)/i.test(target)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `uses the scheme of ${target}: link a file of the repository or an https URL`;
  const [file, anchor] = target.split('#', 2);
  const pageFile = path.join(root, link.page);
  if (file === '') {
    if (link.page === 'API.md') return undefined; // jsii-docgen's own anchors
    return anchor && !anchorsOf(fs.readFileSync(pageFile, 'utf-8')).has(decodeURIComponent(anchor))
      ? `#${anchor} is not a heading of ${link.page}` : undefined;
  }
  if (file.startsWith('/')) return `is absolute (${target}): use a path relative to ${link.page}`;
  const resolved = path.resolve(path.dirname(pageFile), decodeURIComponent(file));
  const rel = path.relative(root, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return `leaves the repository (${target} -> ${rel})`;
  if (!fs.existsSync(resolved)) return `points to ${rel}, which does not exist`;
  if (anchor && resolved.endsWith('.md') && fs.statSync(resolved).isFile()
    && !anchorsOf(fs.readFileSync(resolved, 'utf-8')).has(decodeURIComponent(anchor))) {
    return `#${anchor} is not a heading of ${rel}`;
  }
  return undefined;
}

describe('documentation links', () => {
  const pages = markdownPages({ includeApi: true });

  test('the pages are found (README, docs/DESIGN.md, every layer README, API.md)', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/DESIGN.md', 'src/platform/README.md', 'src/policy/README.md', 'API.md']));
  });

  test('every relative link resolves inside the repository', () => {
    const problems: string[] = [];
    let count = 0;
    for (const page of pages) {
      for (const link of linksOf(page, fs.readFileSync(path.join(REPO_ROOT, page), 'utf-8'))) {
        count++;
        const problem = problemOf(link);
        if (problem) problems.push(`${link.page}:${link.line}: ${link.target} ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(20);
  });

  test('the design document is in the repository and README links it there', () => {
    expect(fs.existsSync(path.join(REPO_ROOT, 'docs', 'DESIGN.md'))).toBe(true);
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf-8');
    expect(linksOf('README.md', readme).map((l) => l.target)).toContain('docs/DESIGN.md');
  });

  describe('the checker catches what it must (each broken link kind)', () => {
    const link = (target: string, page = 'README.md') => ({ page, line: 1, target });
    test.each([
      ['../shared/DESIGN.md', /leaves the repository/],
      ['docs/NOPE.md', /does not exist/],
      ['docs/DESIGN.md#no-such-section', /is not a heading of docs\/DESIGN.md/],
      ['/etc/passwd', /is absolute/],
      ['file:///etc/passwd', /uses the scheme/],
      ['#no-such-heading', /is not a heading of README.md/],
    ])('%s', (target, expected) => {
      expect(problemOf(link(target))).toMatch(expected);
    });
    test('good links pass', () => {
      expect(problemOf(link('docs/DESIGN.md#7-system-truth-the-platform-twin'))).toBeUndefined();
      expect(problemOf(link('../../docs/DESIGN.md', 'src/twin/README.md'))).toBeUndefined();
      expect(problemOf(link('https://example.com/x'))).toBeUndefined();
    });
    test('links inside code are not links; reference definitions and HTML are', () => {
      const text = ['```md', '[x](../outside.md)', '```', 'see `[y](../outside.md)`', '[ref]: ../ref.md', '<a href="../a.md">a</a>', '[ok](docs/DESIGN.md "title")'].join('\n');
      expect(linksOf('README.md', text).map((l) => [l.line, l.target])).toEqual([[5, '../ref.md'], [6, '../a.md'], [7, 'docs/DESIGN.md']]);
    });
  });
});
