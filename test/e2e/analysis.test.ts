/** analyze, diff A B, cp, IMAGE@N and ls --tree through the built binary. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, overlayIn, sh, tempDir, type Overlay } from './helpers.js';

let o: Overlay;

beforeAll(async () => {
  await ensureBuilt();
  o = overlayIn();
  mkdirSync(join(o.dir, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(join(o.dir, 'rootfs', 'etc', 'motd'), 'base\n');
  o.ok(['import', 'rootfs', 'base:1']);
  o.ok(['create', 'base:1', '--name', 'c1']);
  o.ok(['write', '-p', 'c1', '/var/cache/big', 'x'.repeat(3000)]);
  o.ok(['commit', 'c1', 'step:1', '--created-by', 'RUN download']);
  o.ok(['create', 'step:1', '--name', 'c2']);
  o.ok(['rm', '-r', 'c2', '/var/cache']);
  o.ok(['commit', 'c2', 'app:1', '--created-by', 'RUN rm -rf /var/cache']);
}, HOOK_TIMEOUT);

describe('layer analysis verbs', { timeout: TEST_TIMEOUT }, () => {
  it('analyze explains the waste and gives both sets of numbers', () => {
    const a = o.json<{ dive: { wastedBytes: number }; corrected: { wastedBytes: number; inefficiencies: { path: string; why: string }[] } }>(['analyze', 'app:1', '--json']);
    // Dive never counts files deleted with their directory.
    expect(a.dive.wastedBytes).toBe(0);
    expect(a.corrected.wastedBytes).toBe(3000);
    expect(a.corrected.inefficiencies[0]).toMatchObject({ path: '/var/cache', why: 'written in layer 1 (RUN download), deleted with its directory in layer 2 (RUN rm -rf /var/cache)' });
    expect(o.ok(['analyze', 'app:1'])).toContain('deleted with its directory in layer 2');
  });

  it('--ci applies .dive-ci rules, exits 1 on a failure, and a bad file is one line', () => {
    writeFileSync(join(o.dir, '.dive-ci'), 'rules:\n  highestWastedBytes: 1KB\n');
    const dive = o(['analyze', 'app:1', '--ci'], { cwd: o.dir });
    expect(dive.code).toBe(0);
    expect(dive.stdout).toContain('PASS  highestWastedBytes (1KB)');
    const corrected = o(['analyze', 'app:1', '--ci', '--corrected'], { cwd: o.dir });
    expect(corrected.code).toBe(1);
    expect(corrected.stdout).toContain('FAIL  highestWastedBytes (too many bytes wasted (wasted-bytes=3000 > threshold=1000))');
    writeFileSync(join(o.dir, '.dive-ci'), 'rules:\n  lowestEfficiency 0.9\n');
    const bad = o(['analyze', 'app:1', '--ci'], { cwd: o.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('overlay: analyze: .dive-ci, line 2: expected "key: value", got "lowestEfficiency 0.9"\n');
  });

  it('IMAGE@N is the view after layer N, for ls, cat and cp', () => {
    expect(o.ok(['cat', 'app:1@1', '/var/cache/big'])).toBe('x'.repeat(3000));
    expect(o(['cat', 'app:1', '/var/cache/big']).code).toBe(1);
    o.ok(['cp', 'app:1@1:/var/cache/big', join(o.dir, 'big')]);
    expect(readFileSync(join(o.dir, 'big'), 'utf8')).toBe('x'.repeat(3000));
    expect(o(['ls', 'app:1@7']).stderr).toBe('overlay: ls: app:1@7: the image has 3 layers (0 to 2)\n');
  });

  it('diff A B compares two targets with the size change; diff CONTAINER still works', () => {
    expect(o.ok(['diff', 'app:1@1', 'app:1'])).toBe('C /var\nD /var/cache\nsize: 3.00kB -> 5B (-3.00kB)\n');
    expect(o.ok(['diff', 'c2'])).toBe('C /var\nD /var/cache\n');
  });

  it('diff A B and cp take archives, OCI layouts (directory or tar) and containers, each @N too', () => {
    o.ok(['save', 'app:1', '-o', 'app.tar'], { cwd: o.dir });
    o.ok(['save', '--format', 'oci', 'app:1', '-o', 'oci.tar'], { cwd: o.dir });
    mkdirSync(join(o.dir, 'layout'));
    sh('tar -xf ../oci.tar', join(o.dir, 'layout'));
    const at = (args: string[]): string => o.ok(args, { cwd: o.dir });
    // The same image three ways, and the container committed as it: no change.
    expect(at(['diff', 'app.tar', './layout'])).toBe('size: 5B -> 5B (+0B)\n');
    expect(at(['diff', 'oci.tar', 'c2'])).toBe('size: 5B -> 5B (+0B)\n');
    // c2's image has layers 0 and 1; its writable layer is layer 2, so c2@2 is c2 itself.
    const layer2 = 'C /var\nD /var/cache\nsize: 3.00kB -> 5B (-3.00kB)\n';
    expect(at(['diff', 'app.tar@1', './layout'])).toBe(layer2);
    expect(at(['diff', 'c2@1', 'c2@2'])).toBe(layer2);
    expect(at(['diff', './layout@step1', 'oci.tar@2'])).toBe(layer2);
    expect(o(['ls', 'c2@3']).stderr).toBe('overlay: ls: c2@3: the container has 3 layers (0 to 2, 2 its writable layer)\n');
    expect(o(['diff', 'app.tar@5', 'c2'], { cwd: o.dir }).stderr).toBe('overlay: diff: app.tar@5: the image has 3 layers (0 to 2)\n');
    at(['cp', 'app.tar@1:/var/cache/big', 'from-archive']);
    expect(readFileSync(join(o.dir, 'from-archive'), 'utf8')).toBe('x'.repeat(3000));
    at(['cp', './layout:/etc', 'etc-from-layout']);
    expect(readFileSync(join(o.dir, 'etc-from-layout', 'motd'), 'utf8')).toBe('base\n');
    at(['cp', 'oci.tar@step1:/var', 'var-from-oci']);
    expect(readFileSync(join(o.dir, 'var-from-oci', 'cache', 'big'), 'utf8')).toBe('x'.repeat(3000));
    at(['cp', 'c2@1:/var/cache/big', 'from-container']);
    expect(readFileSync(join(o.dir, 'from-container'), 'utf8')).toBe('x'.repeat(3000));
  });

  it('analyze of a plain archive makes no store where there is none; a gzip one still reads', () => {
    o.ok(['save', 'app:1', '-o', join(o.dir, 'plain.tar')]);
    sh('gzip -c plain.tar > packed.tar.gz', o.dir);
    // A directory with no store: a user analysing an archive they were sent.
    const elsewhere = tempDir();
    const store = join(elsewhere, 'no-store-here');
    const plain = o(['analyze', join(o.dir, 'plain.tar'), '--json'], { cwd: elsewhere, env: { OVERLAY_STORE: store } });
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect((JSON.parse(plain.stdout) as { corrected: { wastedBytes: number } }).corrected.wastedBytes).toBe(3000);
    expect(existsSync(store)).toBe(false);
    const packed = o(['analyze', join(o.dir, 'packed.tar.gz'), '--json'], { cwd: elsewhere, env: { OVERLAY_STORE: store } });
    expect(packed.code).toBe(0);
    expect(JSON.parse(packed.stdout)).toEqual(JSON.parse(plain.stdout.replace(/plain\.tar/g, 'packed.tar.gz')));
  });

  it('ls --tree marks what the top layer did, without colour off a terminal', () => {
    const tree = o.ok(['ls', 'app:1', '--tree', '--changed']);
    expect(tree).not.toContain('\u001b[');
    expect(tree).toContain('- ');
    expect(tree).toContain('cache');
  });
});
