/**
 * `ls --tree` colours dive's markers on a terminal only, and never with NO_COLOR set to a
 * non-empty value (no-color.org); the same run in process with a fake terminal for stdout.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/run.js';
import { renderTree } from '../../../src/cli/render/tree.js';
import { Layer } from '../../../src/layer/index.js';
import { Overlay } from '../../../src/overlay/index.js';
import { captureIo, type Captured } from './helpers.js';

const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

let env: Record<string, string>;

/** `ls app:1 --tree` in process, stdout a terminal or not. */
async function tree(extraEnv: Record<string, string>, tty: boolean): Promise<Captured> {
  const c = captureIo({ ...env, ...extraEnv });
  (c.io.stdout as { isTTY: boolean }).isTTY = tty;
  expect(await run(['ls', 'app:1', '--tree'], c.io)).toBe(0);
  return c;
}

beforeAll(async () => {
  env = { OVERLAY_STORE: join(mkdtempSync(join(tmpdir(), 'overlay-tree-')), 's'), SOURCE_DATE_EPOCH: '1700000000' };
  const tar = Layer.fromEntries([{ path: '/etc/motd', type: 'file', content: 'hello\n' }]).toTar();
  expect(await run(['import', '-', 'app:1'], captureIo(env, tar).io)).toBe(0);
});

describe('ls --tree colours', () => {
  it('colours added paths green on a terminal', async () => {
    expect((await tree({}, true)).stdout()).toBe(
      [`${YELLOW}~        6B  /${RESET}`, `${GREEN}+        6B  └── etc/${RESET}`, `${GREEN}+        6B      └── motd${RESET}`, ''].join('\n'),
    );
  });

  it('has no colour off a terminal, nor with NO_COLOR set', async () => {
    const plain = (await tree({}, false)).stdout();
    expect(plain).toBe(['~        6B  /', '+        6B  └── etc/', '+        6B      └── motd', ''].join('\n'));
    expect((await tree({ NO_COLOR: '1' }, true)).stdout()).toBe(plain);
    // An empty NO_COLOR does not count (no-color.org: "present and not an empty string").
    expect((await tree({ NO_COLOR: '' }, true)).stdout()).toContain(GREEN);
  });

  it('renders added green, changed yellow, deleted red, unchanged plain', () => {
    const lower = Layer.fromEntries([
      { path: '/d/same', type: 'file', content: 's' },
      { path: '/d/edit', type: 'file', content: 'e' },
      { path: '/d/gone', type: 'file', content: 'g' },
    ]);
    const overlay = new Overlay({ lowers: [lower] });
    const effect = { added: ['/d/new'], changed: ['/d/edit'], deleted: ['/d/gone'], opaque: [], unchanged: [] };
    overlay.fs.writeFileSync('/d/new', 'nn');
    overlay.fs.writeFileSync('/d/edit', 'ee');
    overlay.fs.unlinkSync('/d/gone');
    const lines = renderTree(overlay, '/d', effect, { colour: true, changedOnly: false }).split('\n');
    expect(lines).toEqual([
      `${YELLOW}~        5B  /d/${RESET}`,
      `${YELLOW}~        2B  ├── edit${RESET}`,
      `${RED}-        0B  ├── gone${RESET}`,
      `${GREEN}+        2B  ├── new${RESET}`,
      '         1B  └── same',
    ]);
    expect(renderTree(overlay, '/d', effect, { colour: false, changedOnly: true })).toBe(['~        5B  /d/', '~        2B  ├── edit', '-        0B  ├── gone', '+        2B  └── new'].join('\n'));
  });
});
