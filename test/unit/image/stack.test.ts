import { describe, expect, it } from 'vitest';
import { layerChanges } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';

describe('layerChanges: what a layer does to the layers below', () => {
  it('lists adds, changes, whiteouts and opaque directories', () => {
    const base = Layer.fromEntries([
      { path: '/etc/motd', type: 'file', content: 'a' },
      { path: '/doc/README', type: 'file' },
      { path: '/tmp', type: 'dir', mode: 0o1777 },
    ]);
    const top = Layer.fromEntries([
      { path: '/etc/motd', type: 'file', content: 'b' },
      { path: '/etc/new', type: 'file' },
      { path: '/doc', type: 'opaque' },
      { path: '/doc/NOTES', type: 'file' },
      { path: '/tmp', type: 'dir', mode: 0o1777 },
      { path: '/gone', type: 'whiteout' },
    ]);
    expect(layerChanges([base, top], 1)).toEqual({ added: ['/doc/NOTES', '/etc/new'], changed: ['/etc/motd'], deleted: ['/gone'], opaque: ['/doc'] });
    expect(layerChanges([base], 0).added).toEqual(['/doc/README', '/etc/motd', '/tmp']);
  });
});
