/** The CLI's guards against slips (issue 10), in process: options, hints in errors, the new-store notice. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/run.js';
import { Layer } from '../../../src/layer/index.js';
import { captureIo } from './helpers.js';

let store: string;
const env = (): Record<string, string> => ({ OVERLAY_STORE: store, SOURCE_DATE_EPOCH: '1700000000' });

async function overlay(args: string[], stdin?: Uint8Array): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureIo(env(), stdin);
  const code = await run(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

beforeAll(async () => {
  store = join(mkdtempSync(join(tmpdir(), 'overlay-guard-')), 's');
  const tar = Layer.fromEntries([{ path: '/etc/motd', type: 'file', content: 'hi\n' }]).toTar();
  const first = await overlay(['import', '-', 'base:1.0'], tar);
  expect(first.code).toBe(0);
  expect(first.stderr).toBe(`overlay: new store created at ${store} (there was none; --store or OVERLAY_STORE chooses the store)\n`);
  expect((await overlay(['tag', 'base:1.0', 'base:2.0'])).code).toBe(0);
  expect((await overlay(['create', 'base:1.0', '--name', 'web'])).code).toBe(0);
});

describe('--no-trunc', () => {
  it('is an option of its own on images, history, ps and layers: full IDs', async () => {
    for (const args of [['images'], ['history', 'base:1.0'], ['ps'], ['layers']]) {
      const full = await overlay([...args, '--no-trunc']);
      expect(full.stderr, args[0]).toBe('');
      expect(full.code, args[0]).toBe(0);
      expect(full.stdout, args[0]).toMatch(/[0-9a-f]{64}/);
      const short = await overlay(args);
      expect(short.stdout, args[0]).not.toMatch(/[0-9a-f]{64}/);
      expect(short.stdout, args[0]).toMatch(/[0-9a-f]{12}/);
    }
    expect((await overlay(['images', '-q', '--no-trunc'])).stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });
});

describe('errors that point to the fix', () => {
  it('an image where a container is wanted says how to make a container of it', async () => {
    for (const args of [['write', 'base:1.0', '/x', 'y'], ['diff', 'base:1.0'], ['commit', 'base:1.0'], ['rm', 'base:1.0', '/etc/motd']]) {
      const r = await overlay(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`overlay: ${args[0]}: base:1.0 is an image, not a container: make a container of it with "overlay create base:1.0 --name NAME"\n`);
    }
  });

  it('a missing tag lists the tags its name has', async () => {
    expect((await overlay(['create', 'base'])).stderr).toBe('overlay: create: no such image: base:latest (base has the tags 1.0, 2.0)\n');
    expect((await overlay(['cat', 'base:3', '/etc/motd'])).stderr).toBe('overlay: cat: no such container or image: base:3 (base has the tags 1.0, 2.0)\n');
    expect((await overlay(['rmi', 'base:3'])).stderr).toBe('overlay: rmi: no such image: base:3 (base has the tags 1.0, 2.0)\n');
    expect((await overlay(['create', 'other'])).stderr).toBe('overlay: create: no such image: other:latest\n');
  });

  it('says so once when a store is created, never for an existing one', async () => {
    expect((await overlay(['images'])).stderr).toBe('');
    const other = join(mkdtempSync(join(tmpdir(), 'overlay-guard-')), 'typo');
    const c = captureIo(env());
    expect(await run(['--store', other, 'images'], c.io)).toBe(0);
    expect(c.stderr()).toBe(`overlay: new store created at ${other} (there was none; --store or OVERLAY_STORE chooses the store)\n`);
  });
});

describe('one size for one thing', () => {
  it('images, history, layers, ps and inspect show the same content and compressed sizes', async () => {
    expect((await overlay(['write', 'web', '/etc/motd', 'hello, world\n'])).code).toBe(0);
    expect((await overlay(['commit', 'web', 'app:1'])).code).toBe(0);
    const json = async <T>(args: string[]): Promise<T> => JSON.parse((await overlay([...args, '--json'])).stdout) as T;
    const image = (await json<{ repository: string; tag: string; contentBytes: number; compressedBytes: number }[]>(['images'])).find((r) => r.repository === 'app')!;
    const history = await json<{ contentBytes: number; compressedBytes: number }[]>(['history', 'app:1']);
    const layers = await json<{ diffId: string; blob: string; contentBytes: number; compressedBytes: number }[]>(['layers', 'app:1']);
    const [inspect] = await json<{ contentBytes: number; compressedBytes: number; Layers: { size: number }[] }[]>(['inspect', 'app:1']);
    const ps = await json<{ name: string; contentBytes: number }[]>(['ps']);
    // The top layer holds the 13 bytes written; the base layer the 3 bytes of /etc/motd.
    expect(history.map((h) => h.contentBytes)).toEqual([13, 3]);
    expect(layers.map((l) => l.contentBytes)).toEqual([3, 13]);
    expect(ps.find((c) => c.name === 'web')!.contentBytes).toBe(13);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(image.contentBytes).toBe(16);
    expect(inspect!.contentBytes).toBe(16);
    // Compressed: the blobs as stored, the same in every verb.
    expect(layers.map((l) => l.compressedBytes)).toEqual(inspect!.Layers.map((l) => l.size));
    expect(history.map((h) => h.compressedBytes).reverse()).toEqual(layers.map((l) => l.compressedBytes));
    expect(image.compressedBytes).toBe(sum(layers.map((l) => l.compressedBytes)));
    expect(inspect!.compressedBytes).toBe(image.compressedBytes);
    // And the tables name them so.
    expect((await overlay(['images'])).stdout.split('\n')[0]).toMatch(/LAYERS\s+CONTENT SIZE\s+COMPRESSED SIZE$/);
    expect((await overlay(['layers'])).stdout.split('\n')[0]).toMatch(/^DIFF ID\s+CONTENT SIZE\s+COMPRESSED SIZE\s+CREATED BY/);
    expect((await overlay(['history', 'app:1'])).stdout.split('\n')[0]).toMatch(/CREATED BY\s+CONTENT SIZE\s+COMMENT$/);
    expect((await overlay(['ps'])).stdout.split('\n')[0]).toMatch(/CREATED\s+CONTENT SIZE\s+NAMES$/);
    expect((await overlay(['df'])).stdout.split('\n')[0]).toMatch(/^TYPE\s+COUNT\s+DISK SIZE\s+NOTE$/);
  });
});
