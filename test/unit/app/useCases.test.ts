/**
 * The use cases on a store in memory: every verb's logic runs without a disk, as a browser
 * page or `overlay build` would run it. (test/e2e runs the same through the CLI on disk.)
 */
import { describe, expect, it } from 'vitest';
import {
  commitContainer,
  createContainer,
  describeLayer,
  diffContainer,
  diskUsage,
  editContainer,
  explainPath,
  exportTree,
  imageHistory,
  importImage,
  inspectTargets,
  layerUsage,
  listContainers,
  listDirectory,
  linkPath,
  listNames,
  listImages,
  loadImages,
  makeDirectories,
  movePath,
  openView,
  pruneStore,
  readFileAt,
  removeContainers,
  removeImages,
  removePaths,
  saveImages,
  stackOf,
  tagImage,
  writeFileAt,
} from '../../../src/app/index.js';
import { archiveFileBytes, memorySource } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';
import { Store, memoryBackend } from '../../../src/store/index.js';

const created = '2024-01-01T00:00:00.000Z';
const clock = (): number => Date.parse(created);
const open = (): Promise<Store> => Store.openBackend(memoryBackend(), { clock, platform: { os: 'linux', architecture: 'arm64' } });
const base = Layer.fromEntries(
  [
    { path: '/etc/motd', type: 'file', content: 'hello\n' },
    { path: '/usr/share/doc/README', type: 'file', content: 'r' },
    { path: '/bin/ls', type: 'file', content: 'ls', mode: 0o755 },
  ],
  { history: { created, createdBy: 'ADD rootfs.tar /' } },
);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

async function withBase(): Promise<Store> {
  const store = await open();
  await importImage(store, { source: { layer: base }, history: base.history, name: 'base:1', created, author: 'Ada' });
  return store;
}

describe('use cases over a store in memory', () => {
  it('imports, lists, tags and removes images', async () => {
    const store = await withBase();
    const [image] = store.images();
    expect(image!.config).toMatchObject({ architecture: 'arm64', os: 'linux', author: 'Ada', rootfs: { diff_ids: [base.diffId] } });
    expect(await tagImage(store, 'base:1', 'other/base')).toBe('other/base:latest');
    expect((await listImages(store)).map((r) => `${r.repository}:${r.tag}`)).toEqual(['base:1', 'other/base:latest']);
    const removed = await removeImages(store, ['other/base', 'base:1']);
    expect(removed.map((r) => r.untagged)).toEqual([['other/base:latest'], ['base:1']]);
    expect(removed[1]!.deleted).toEqual([image!.id]);
    expect(await listImages(store)).toEqual([]);
  });

  it('edits a container, diffs it, commits it, and shows the history', async () => {
    const store = await withBase();
    const c = await createContainer(store, 'base:1');
    expect(c).toMatchObject({ name: 'base-1', imageName: 'base:1' });
    await editContainer(store, 'base-1', (overlay) => {
      writeFileAt(overlay, '/etc/motd', new TextEncoder().encode('changed\n'), { mode: 0o644 });
      writeFileAt(overlay, '/opt/new/file', new TextEncoder().encode('x'), { mode: 0o600, parents: true });
      removePaths(overlay, ['/bin/ls'], {});
      makeDirectories(overlay, ['/srv/a/b'], { parents: true, mode: () => 0o700 });
    });
    // A failed edit saves nothing.
    await expect(editContainer(store, 'base-1', (overlay) => removePaths(overlay, ['/usr'], {}))).rejects.toThrow(/EISDIR/);
    expect((await diffContainer(store, 'base-1')).map((ch) => `${ch.kind} ${ch.path}`)).toEqual([
      'C /bin',
      'D /bin/ls',
      'C /etc',
      'C /etc/motd',
      'A /opt',
      'A /opt/new',
      'A /opt/new/file',
      'A /srv',
      'A /srv/a',
      'A /srv/a/b',
    ]);
    const result = await commitContainer(store, 'base-1', { name: 'app:2', message: 'edits', author: 'Bob' });
    expect(result.empty).toBe(false);
    expect(result.image.config.history!.at(-1)).toEqual({ created, created_by: 'overlay commit base-1', comment: 'edits', author: 'Bob' });
    const history = await imageHistory(store, 'app:2');
    expect(history.map((h) => [h.image, h.createdBy])).toEqual([
      [result.image.id, 'overlay commit base-1'],
      [store.resolveImage('base:1').id, 'ADD rootfs.tar /'],
    ]);
    expect(history[1]!.contentBytes).toBe(base.size);
    // Nothing changed since: the next commit adds an empty_layer step.
    await createContainer(store, 'app:2', { name: 'again' });
    const empty = await commitContainer(store, 'again', { name: 'app:3' });
    expect(empty).toMatchObject({ empty: true, diffId: undefined });
    expect((await imageHistory(store, 'app:3'))[0]).toMatchObject({ emptyLayer: true, contentBytes: 0, compressedBytes: 0 });
  });

  it('reads views of containers and images: ls, cat, explain, stack, export', async () => {
    const store = await withBase();
    await createContainer(store, 'base:1', { name: 'web' });
    await editContainer(store, 'web', (overlay) => movePath(overlay, '/usr/share/doc/README', '/etc'));
    const view = await openView(store, 'web', { clock });
    expect(view.kind).toBe('container');
    expect(listDirectory(view.overlay, '/etc').map((l) => l.name)).toEqual(['README', 'motd']);
    // Plain `ls` takes names and kinds from the directory entries: the same as the full listing.
    linkPath(view.overlay, '/etc/motd', '/etc/motd.link', true);
    for (const recursive of [false, true]) {
      for (const at of ['/', '/etc', '/etc/motd', '/etc/motd.link']) {
        const full = listDirectory(view.overlay, at, { recursive }).map((l) => ({ name: l.name, type: l.type, ...(l.target === undefined ? {} : { target: l.target }) }));
        expect(listNames(view.overlay, at, { recursive })).toEqual(full);
      }
    }
    view.overlay.fs.unlinkSync('/etc/motd.link');
    expect(text(readFileAt(view.overlay, '/etc/README'))).toBe('r');
    expect(() => readFileAt(view.overlay, '/etc')).toThrow("EISDIR: illegal operation on a directory, read '/etc'");
    expect(explainPath(view, '/etc/motd')).toMatchObject({ exists: true, providedBy: 0 });
    expect(describeLayer(view, 0)).toBe('layer 0 (ADD rootfs.tar /)');
    expect(describeLayer(view, 'upper')).toBe('upper (container web, writable)');
    const stack = stackOf(view);
    expect(stack.heading).toBe('container web: the merged view');
    expect(stack.items.map((i) => i.layer)).toEqual(['upper', 0]);
    expect(stack.items[0]!.changes).toMatchObject({ added: ['/etc/README'], deleted: ['/usr/share/doc/README'] });
    expect(exportTree(view).paths()).toContain('/etc/README');
    const image = await openView(store, 'base:1');
    expect(image.kind).toBe('image');
    expect(stackOf(image).heading).toBe('image base:1: the merged view');
    await expect(openView(store, 'nothing')).rejects.toThrow('no such container or image: nothing');
  });

  it('saves and loads archives between stores, and inspects what it has', async () => {
    const store = await withBase();
    const files = await saveImages(store, ['base:1'], 'docker');
    const source = memorySource(new Map(await Promise.all(files.map(async (f) => [f.path, await archiveFileBytes(f)] as const))));
    const other = await open();
    const [loaded] = await loadImages(other, source, { tag: 'copy:1' });
    expect(loaded).toMatchObject({ id: store.resolveImage('base:1').id, names: ['copy:1'] });
    await createContainer(other, 'copy:1', { name: 'c' });
    const [info, imageInfo] = await inspectTargets(other, ['c', 'copy:1']);
    expect(info).toMatchObject({ Name: 'c', ImageName: 'copy:1', Changes: { A: 0, C: 0, D: 0 } });
    expect(imageInfo).toMatchObject({ RepoTags: ['copy:1'], RootFS: { Layers: [base.diffId] } });
    expect((await layerUsage(other)).map((l) => [l.diffId, l.containers])).toEqual([[base.diffId, ['c']]]);
    // The content size of an empty writable layer is 0 (its saved tar's 1024 bytes are disk size).
    expect((await listContainers(other)).map((r) => [r.name, r.image, r.contentBytes])).toEqual([['c', 'copy:1', 0]]);
  });

  it('reports disk usage, prunes and removes containers', async () => {
    const store = await withBase();
    await createContainer(store, 'base:1', { name: 'c' });
    await removeImages(store, ['base:1'], { force: true });
    expect((await pruneStore(store)).images).toEqual([]); // the container keeps its image
    expect((await diskUsage(store)).containers).toEqual({ count: 1, bytes: 1024 });
    const removed = await removeContainers(store, ['c', 'missing'], { force: true });
    expect(removed.containers.map((c) => c.name)).toEqual(['c']);
    expect(removed.blobs).toBe(3);
    await expect(removeContainers(store, ['missing'])).rejects.toThrow('no such container: missing');
    expect((await diskUsage(store)).totalBytes).toBe(0);
  });
});
