import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';

/**
 * The file at the root of a written GitOps tree that says who wrote it and which files are theirs. Argo CD never
 * reads it (no Application points at the repository root).
 */
export const OWNER_FILE = '.llm-platform.json';

/** What `OWNER_FILE` holds. */
interface OwnerRecord {
  /** `platform acme-llm (prod)`, `fleet acme-llm`. */
  readonly owner: string;
  /** The files written, relative to the tree's root, sorted. */
  readonly files: string[];
}

/**
 * Write a GitOps tree that belongs to one owner (a platform or a fleet) under `dir`:
 * - refuses (ValidationError, nothing written) when `dir` holds another owner's tree, or, without an owner file,
 *   when a file it would write is already there (written by something else: it would be overwritten silently);
 * - removes the files its previous run wrote and this run does not (a removed model's objects leave the tree,
 *   so Argo CD prunes them), and the directories that leaves empty;
 * - records the files it wrote in `OWNER_FILE`.
 *
 * @param write writes one file (relative path) and returns nothing; called in `files` order
 */
export function writeOwnedTree(scope: IConstruct, dir: string, owner: string, files: string[], write: (target: string, file: string) => void): void {
  const marker = path.join(dir, OWNER_FILE);
  let previous: OwnerRecord | undefined;
  if (fs.existsSync(marker)) {
    try {
      previous = JSON.parse(fs.readFileSync(marker, 'utf8'));
    } catch {
      previous = undefined;
    }
    if (!previous || typeof previous.owner !== 'string' || !Array.isArray(previous.files)) {
      throw new ValidationError('outdir', `holds an unreadable ${OWNER_FILE}`, marker, `delete ${marker} after checking which files of ${dir} are whose`, scope);
    }
    if (previous.owner !== owner) {
      throw new ValidationError('outdir', `holds the GitOps tree of ${previous.owner} (${previous.files.length} files, ${OWNER_FILE}); writing ${owner} there would overwrite it`, dir,
        'write each platform to its own repository or folder, or describe both clusters in one Fleet (one tree for all its clusters)', scope);
    }
  } else {
    const taken = files.filter((f) => fs.existsSync(path.join(dir, ...f.split('/'))));
    if (taken.length > 0) {
      throw new ValidationError('outdir', `already holds ${taken.length} of the files ${owner} writes, and no ${OWNER_FILE} says who wrote them `
        + `(another tool, or cdk-llm-platform before it recorded owners), e.g. ${taken.slice(0, 3).join(', ')}`, dir,
      'write to an empty folder, or delete the old tree (or move those files away) and synth again: from then on the owner file keeps track', scope);
    }
  }
  const wanted = new Set(files);
  const made = new Set<string>();
  for (const f of files) {
    const target = path.join(dir, ...f.split('/'));
    const parent = path.dirname(target);
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    write(target, f);
  }
  // the previous run's files this run does not write, and the directories that leaves empty
  const emptied = new Set<string>();
  for (const f of previous?.files ?? []) {
    if (wanted.has(f) || f.split('/').includes('..') || path.isAbsolute(f)) continue;
    fs.rmSync(path.join(dir, ...f.split('/')), { force: true });
    for (let d = path.posix.dirname(f); d !== '.' && d !== ''; d = path.posix.dirname(d)) emptied.add(d);
  }
  for (const d of [...emptied].sort((a, b) => b.length - a.length)) {
    const full = path.join(dir, ...d.split('/'));
    if (fs.existsSync(full) && fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  }
  const record: OwnerRecord = { owner, files: [...files].sort() };
  fs.writeFileSync(marker, `${JSON.stringify(record, undefined, 2)}\n`, 'utf8');
}
