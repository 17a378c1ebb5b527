import * as fs from 'fs';
import * as path from 'path';

/**
 * The installed version of package `name`, read from its package.json next to its entry point (packages
 * whose `exports` hide package.json included); 'unknown' when it cannot be found.
 */
export function installedVersion(name: string): string {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(name));
  } catch {
    return 'unknown';
  }
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf-8'));
      if (pkg.name === name) return String(pkg.version);
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
