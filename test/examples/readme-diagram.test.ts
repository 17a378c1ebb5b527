import * as fs from 'fs';
import * as path from 'path';
import { spec } from '../../examples/reference/platform';
import { PlatformDiagram } from '../../src/platform';

test("the root README shows the reference platform's current diagram", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf-8');
  const shown = /<!-- reference-diagram:start -->\n([\s\S]*?)\n<!-- reference-diagram:end -->/.exec(readme)?.[1];
  expect(shown).toBe(PlatformDiagram.markdown(spec).trimEnd());
});
