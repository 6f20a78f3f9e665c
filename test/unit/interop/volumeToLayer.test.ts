import { describe, expect, it } from 'vitest';
import { Volume } from 'memfs';
import { DomainError, Layer, Overlay } from '../../../src/index.js';
import { layerToVolume, volumeToLayer } from '../../../src/interop/index.js';

const T = Date.UTC(2021, 5, 6, 7, 8, 9);

function sampleVolume(): Volume {
  const vol = Volume.fromJSON({ '/app/main.js': 'console.log(1)\n', '/app/lib/util.js': 'u', '/other': 'o' });
  vol.mkdirSync('/app/empty');
  vol.symlinkSync('lib/util.js', '/app/util');
  vol.linkSync('/app/main.js', '/app/index.js');
  vol.chmodSync('/app/main.js', 0o750);
  vol.chownSync('/app/main.js', 5, 6);
  vol.utimesSync('/app/main.js', new Date(T), new Date(T));
  return vol;
}

describe('volumeToLayer', () => {
  it('reads the tree under a root as layer entries', () => {
    const layer = volumeToLayer(sampleVolume(), '/app');
    expect(layer.entries().map((e) => `${e.type} ${e.path}${e.target !== undefined ? ` -> ${e.target}` : ''}`)).toEqual([
      'dir /',
      'dir /empty',
      'file /index.js',
      'dir /lib',
      'file /lib/util.js',
      'hardlink /main.js -> /index.js',
      'symlink /util -> lib/util.js',
    ]);
    // The first name in sorted order holds the data; main.js and index.js are one inode.
    const main = layer.entries().find((e) => e.path === '/index.js')!;
    expect(main).toMatchObject({ mode: 0o750, uid: 5, gid: 6, mtime: T });
    expect(new TextDecoder().decode(main.content)).toBe('console.log(1)\n');
  });

  it('reads the whole volume by default', () => {
    const paths = volumeToLayer(sampleVolume()).entries().map((e) => e.path);
    expect(paths).toContain('/other');
    expect(paths).toContain('/app/main.js');
  });

  it('keeps a hard link only between names inside the root', () => {
    const vol = sampleVolume();
    vol.linkSync('/other', '/app/other');
    const entry = volumeToLayer(vol, '/app').entries().find((e) => e.path === '/other')!;
    expect(entry.type).toBe('file');
  });

  it('copies the data: later writes to the volume do not reach the layer', () => {
    const vol = sampleVolume();
    const layer = volumeToLayer(vol, '/app');
    vol.writeFileSync('/app/lib/util.js', 'changed');
    const util = layer.entries().find((e) => e.path === '/lib/util.js')!;
    expect(new TextDecoder().decode(util.content)).toBe('u');
  });

  it('reads files and directories whatever their mode, as root', () => {
    const vol = Volume.fromJSON({ '/d/secret': 's' });
    vol.chmodSync('/d/secret', 0o000);
    vol.chownSync('/d/secret', 1000, 1000);
    vol.chmodSync('/d', 0o000);
    const entries = volumeToLayer(vol).entries();
    expect(new TextDecoder().decode(entries.find((e) => e.path === '/d/secret')!.content)).toBe('s');
    expect(entries.find((e) => e.path === '/d')!.mode).toBe(0o000);
  });

  it('refuses a root that is not a directory', () => {
    const error = (() => {
      try {
        volumeToLayer(sampleVolume(), '/other');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('InvalidArgumentError');
    expect(() => volumeToLayer(sampleVolume(), '/missing')).toThrow();
  });

  it('refuses names a layer cannot hold', () => {
    const vol = Volume.fromJSON({ '/.wh.x': '' });
    expect(() => volumeToLayer(vol)).toThrow(expect.objectContaining({ code: 'LayerFormatError' }));
  });

  it('round-trips a layer through a volume: the same view when mounted', () => {
    const layer = Layer.fromEntries([
      { path: '/a', type: 'dir', mode: 0o700, uid: 2, gid: 3, mtime: T },
      { path: '/a/f', type: 'file', content: 'data', mode: 0o640, mtime: T },
      { path: '/a/g', type: 'hardlink', target: '/a/f' },
      { path: '/s', type: 'symlink', target: 'a/f', mtime: T },
    ]);
    const back = volumeToLayer(layerToVolume(layer));
    const view = (l: Layer): unknown => {
      const fs = new Overlay({ lowers: [l] }).fs;
      return ['/a', '/a/f', '/a/g', '/s'].map((p) => {
        const st = fs.lstatSync(p)!;
        return [p, st.mode, st.uid, st.gid, st.nlink, st.mtimeMs];
      });
    };
    expect(view(back)).toEqual(view(layer));
  });
});
