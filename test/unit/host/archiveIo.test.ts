/**
 * Archives read by member offsets and written as streams (issue 9, "import, load, save, export
 * and commit stream"): long names of every tar dialect, hostile archives refused, temporary
 * copies removed, and a save of a layer bigger than any chunk that loads back to the same image.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { DiskStore, openArchiveFile, openArchiveStream, tarOfFiles, writeChunksAtomic } from '../../../src/host/index.js';
import { imageConfig, readImageArchive } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'overlay-archiveio-'));

async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A tar made by tar-stream from raw headers (it writes what it is told, `..` included). */
async function rawTar(path: string, entries: { name: string; data: string }[]): Promise<void> {
  const p = pack();
  const done = new Promise<void>((resolve) => p.pipe(createWriteStream(path)).on('finish', () => resolve()));
  for (const e of entries) p.entry({ name: e.name, size: e.data.length }, e.data);
  p.finalize();
  await done;
}

describe('reading archives by member offsets', () => {
  const longName = `${'d'.repeat(120)}/${'f'.repeat(110)}.json`;

  for (const format of ['gnu', 'pax', 'ustar'] as const) {
    it(`finds every regular file of a ${format} tar, long names included, without reading the data`, async () => {
      const dir = scratch();
      const src = join(dir, 'src');
      // USTAR splits a long path at a slash into prefix and name; GNU and PAX store it whole.
      const name = format === 'ustar' ? `${'d'.repeat(60)}/${'e'.repeat(60)}/short.json` : longName;
      mkdirSync(join(src, name, '..'), { recursive: true });
      writeFileSync(join(src, name), '{"a":1}');
      const big = randomBytes(3 * 1024 * 1024 + 17);
      writeFileSync(join(src, 'big.bin'), big);
      execFileSync('tar', [`--format=${format}`, '-cf', join(dir, 'a.tar'), '-C', src, '.']);
      const source = await openArchiveFile(join(dir, 'a.tar'), 'a.tar', join(dir, 'tmp'));
      expect(source.has(name)).toBe(true);
      expect(new TextDecoder().decode(await source.read(name))).toBe('{"a":1}');
      expect(await source.size('big.bin')).toBe(big.length);
      const chunks: Uint8Array[] = [];
      for await (const chunk of source.chunks('big.bin')) chunks.push(chunk);
      expect(Math.max(...chunks.map((c) => c.length))).toBe(1 << 20);
      expect(Buffer.concat(chunks).equals(big)).toBe(true);
      expect(await source.read('nope')).toBeUndefined();
      source.close();
    });
  }

  it('refuses names that climb out, members cut short, and what is no tar', async () => {
    const dir = scratch();
    await rawTar(join(dir, 'climb.tar'), [{ name: '../etc/passwd', data: 'x' }]);
    await expect(openArchiveFile(join(dir, 'climb.tar'), 'climb.tar', dir)).rejects.toMatchObject({ code: 'UnsafeTarEntryError' });
    await rawTar(join(dir, 'whole.tar'), [{ name: 'manifest.json', data: 'y'.repeat(5000) }]);
    writeFileSync(join(dir, 'cut.tar'), readFileSync(join(dir, 'whole.tar')).subarray(0, 2048));
    await expect(openArchiveFile(join(dir, 'cut.tar'), 'cut.tar', dir)).rejects.toThrow('cut.tar: manifest.json is cut short');
    writeFileSync(join(dir, 'junk.tar'), 'not an archive'.repeat(100));
    await expect(openArchiveFile(join(dir, 'junk.tar'), 'junk.tar', dir)).rejects.toThrow(/^junk.tar is not a valid tar archive/);
  });

  it('reads a gzip archive and stdin through a temporary file that is removed afterwards, and on errors', async () => {
    const dir = scratch();
    const tmp = join(dir, 'tmp');
    await rawTar(join(dir, 'a.tar'), [{ name: './manifest.json', data: '[]' }]);
    const tar = readFileSync(join(dir, 'a.tar'));
    writeFileSync(join(dir, 'a.tar.gz'), gzipSync(tar));
    const gz = await openArchiveFile(join(dir, 'a.tar.gz'), 'a.tar.gz', tmp);
    expect(readdirSync(tmp)).toHaveLength(1);
    expect(readdirSync(tmp)[0]).toContain(`.${process.pid}.`);
    expect(new TextDecoder().decode(await gz.read('manifest.json'))).toBe('[]');
    gz.close();
    expect(readdirSync(tmp)).toEqual([]);
    const stream = await openArchiveStream((async function* () {
      yield tar.subarray(0, 700);
      yield tar.subarray(700);
    })(), 'stdin', tmp);
    expect(stream.has('manifest.json')).toBe(true);
    stream.close();
    writeFileSync(join(dir, 'bad.tar.gz'), Buffer.concat([gzipSync(tar).subarray(0, 30), Buffer.alloc(100, 7)]));
    await expect(openArchiveFile(join(dir, 'bad.tar.gz'), 'bad.tar.gz', tmp)).rejects.toMatchObject({ code: 'LayerFormatError' });
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('saving archives as streams', () => {
  it('saves an image with a layer bigger than 8 MiB as the archive its layers make, and loads it back to the same image', async () => {
    const dir = scratch();
    const store = await DiskStore.open(join(dir, 'a'));
    const data = randomBytes(9 * 1024 * 1024);
    const layers = [
      Layer.fromEntries([{ path: '/big.bin', type: 'file', content: data }]),
      Layer.fromEntries([{ path: '/etc/motd', type: 'file', content: 'hi\n' }]),
    ];
    const config = imageConfig({ architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' }, layers);
    const image = await store.addImage({ config, layers, names: ['big:1'] });
    const files = await store.archive([{ image, names: ['big:1'] }], 'docker');
    // Each layer member is the layer's canonical tar, named and sized by its DiffID.
    for (const layer of layers) {
      const file = files.find((f) => f.path === `blobs/sha256/${layer.diffId.slice(7)}`)!;
      expect(file.size).toBe(layer.toTar().length);
    }
    const out = join(dir, 'big.tar');
    let ticked = 0;
    const written = await writeChunksAtomic(out, tarOfFiles(files), dir, (n) => (ticked += n));
    expect(ticked).toBe(written);
    // The archive holds the canonical layer tars byte for byte (tar -x by an outside tool).
    execFileSync('mkdir', ['-p', join(dir, 'x')]);
    execFileSync('tar', ['-xf', out, '-C', join(dir, 'x')]);
    for (const layer of layers) {
      const member = readFileSync(join(dir, 'x', 'blobs', 'sha256', layer.diffId.slice(7)));
      expect(`sha256:${createHash('sha256').update(member).digest('hex')}`).toBe(layer.diffId);
    }
    store.close();
    const source = await openArchiveFile(out, 'big.tar', join(dir, 'tmp'));
    const [read] = await readImageArchive(source);
    expect(read!.layers.map((l) => l.diffId)).toEqual(layers.map((l) => l.diffId));
    expect((await bytesOf(read!.layers[0]!.chunks())).equals(Buffer.from(layers[0]!.toTar()))).toBe(true);
    const other = await DiskStore.open(join(dir, 'b'));
    const [loaded] = await other.loadImages([read!]);
    expect(loaded!.id).toBe(image.id);
    expect(loaded!.names).toEqual(['big:1']);
    other.close();
    source.close();
  });
});
