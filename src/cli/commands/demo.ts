/**
 * `overlay demo`: a narrated, deterministic walk through layers, copy-up, whiteouts, opaque
 * directories, diff, commit, digests and shared layers, on a temporary store, offline, in a
 * second or two. The clock is fixed, so every digest printed is the same on every run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainIds, sha256Digest } from '../../digest/index.js';
import type { ContainerRecord, ImageRecord, Store } from '../../host/index.js';
import { childConfig, historyEntry, historyRows, imageConfig, layerChanges } from '../../image/index.js';
import { Layer, type LayerEntryInput, type LayerHistory } from '../../layer/index.js';
import { Overlay, type LayerRef } from '../../overlay/index.js';
import type { Context } from '../context.js';
import { renderExplanation } from '../render/explain.js';
import { formatBytes, shortId, table } from '../render/format.js';
import { renderStack, type StackBox } from '../render/stack.js';
import type { CommandSpec } from './common.js';

/** 2024-01-01T00:00:00Z: the demo's clock starts here and moves one minute per step. */
const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
const WIDTH = 76;

const dir = (path: string, mode = 0o755): LayerEntryInput => ({ path, type: 'dir', mode, mtime: T0 });
const file = (path: string, content: string, mode = 0o644): LayerEntryInput => ({ path, type: 'file', content, mode, mtime: T0 });

function baseLayer(history: LayerHistory): Layer {
  return Layer.fromEntries(
    [
      dir('/bin'),
      file('/bin/sh', '#!demo shell\n', 0o755),
      file('/bin/ls', '#!demo ls\n', 0o755),
      file('/bin/cat', '#!demo cat\n', 0o755),
      dir('/etc'),
      file('/etc/os-release', 'NAME="DemoOS"\nVERSION="1.0"\n'),
      file('/etc/motd', 'Welcome to DemoOS!\n'),
      file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'),
      dir('/root', 0o700),
      dir('/tmp', 0o1777),
      dir('/usr'),
      dir('/usr/share'),
      dir('/usr/share/doc'),
      file('/usr/share/doc/README', 'DemoOS: the manual.\n'),
      file('/usr/share/doc/LICENSE', 'Free to learn from.\n'),
      dir('/var'),
      dir('/var/cache'),
      dir('/var/cache/apt'),
      file('/var/cache/apt/pkgcache.bin', 'package cache '.repeat(64)),
    ],
    { history },
  );
}

function depsLayer(history: LayerHistory): Layer {
  return Layer.fromEntries(
    [
      file('/usr/bin/python3', '#!demo python\n', 0o755),
      file('/usr/lib/python3/os.py', '# the os module\n'),
      file('/usr/lib/python3/json.py', '# the json module\n'),
      // `rm -rf /var/cache/apt/*` in the same RUN step: a deletion is a whiteout.
      { path: '/var/cache/apt/pkgcache.bin', type: 'whiteout' },
    ],
    { history },
  );
}

function appLayer(history: LayerHistory): Layer {
  return Layer.fromEntries(
    [
      dir('/app'),
      file('/app/main.py', 'print("hello from the demo app")\n'),
      file('/app/config.json', '{ "port": 8080 }\n'),
      file('/etc/motd', 'Welcome to the demo app!\n'),
    ],
    { history },
  );
}

function toolsLayer(history: LayerHistory): Layer {
  return Layer.fromEntries([file('/usr/bin/debug-tool', '#!demo debugger\n', 0o755), file('/etc/motd', 'Tools image: handle with care.\n')], { history });
}

class Narrator {
  readonly #ctx: Context;
  #step = 0;
  #afterHeading = true;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }
  heading(title: string): void {
    this.#step++;
    const text = `── ${this.#step}. ${title} `;
    this.#ctx.out(`\n${text}${'─'.repeat(Math.max(3, WIDTH - text.length))}`);
    this.#afterHeading = true;
  }
  say(text: string): void {
    const lines = text.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
    const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
    const body = lines.map((l) => l.slice(indent)).join('\n');
    this.#ctx.out(this.#afterHeading ? body : `\n${body}`);
    this.#afterHeading = false;
  }
  cmd(text: string): void {
    this.#afterHeading = false;
    this.#ctx.out(`\n  $ ${text}`);
  }
  show(text: string): void {
    this.#afterHeading = false;
    this.#ctx.out(
      text
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => (l === '' ? '' : `  ${l}`))
        .join('\n'),
    );
  }
}

export const demoCommand: CommandSpec = {
  command: 'demo',
  describe: 'A guided, offline, deterministic tour: layers, copy-up, whiteouts, opaque dirs, diff, commit, digests',
  builder: (y) => y.option('keep', { type: 'boolean', describe: 'keep the temporary store and print its path' }),
  async run(ctx) {
    const given = typeof ctx.args['store'] === 'string' && ctx.args['store'] !== '';
    const storeDir = given ? ctx.storeDir() : mkdtempSync(join(tmpdir(), 'overlay-demo-'));
    let now = T0;
    const clock = (): number => now;
    const tick = (): void => void (now += 60_000);
    try {
      await ctx.withStore((store) => tour(ctx, store, clock, tick, storeDir, given), storeDir, { clock, platform: { os: 'linux', architecture: 'amd64' } });
    } finally {
      if (!given && !ctx.flag('keep')) rmSync(storeDir, { recursive: true, force: true });
    }
  },
};

async function tour(ctx: Context, store: Store, clock: () => number, tick: () => void, storeDir: string, given: boolean): Promise<void> {
  const n = new Narrator(ctx);
  const iso = (): string => new Date(clock()).toISOString();
  const kept = given || ctx.flag('keep');
  const storeArg = kept ? ` --store ${storeDir}` : '';
  ctx.out('overlay demo: how container images and overlay filesystems work');
  ctx.out('═'.repeat(WIDTH));
  n.say(`
    Store: ${kept ? storeDir : 'a temporary directory (removed at the end; --keep keeps it)'}
    The clock is fixed at ${iso()}, so every digest below is the same
    on every run. Each step shows the overlay command that does the same thing.`);

  // 1 ------------------------------------------------------------------------------------
  n.heading('Three read-only layers');
  n.say(`
    An image is a stack of layers. Each layer is a changeset: the files it adds or
    changes, and "whiteouts" for the files it deletes. We build three in memory, as
    three Dockerfile steps would:`);
  const h0: LayerHistory = { created: iso(), createdBy: 'ADD demo-os.tar /  # a tiny OS' };
  const base = baseLayer(h0);
  tick();
  const h1: LayerHistory = { created: iso(), createdBy: 'RUN apt-get install -y python3 && rm -rf /var/cache/apt/*' };
  const deps = depsLayer(h1);
  tick();
  const h2: LayerHistory = { created: iso(), createdBy: 'COPY app/ /app  # and a new /etc/motd' };
  const app = appLayer(h2);
  tick();
  const layers = [base, deps, app];
  n.show(
    table(
      ['LAYER', 'WHAT IT DOES', 'FILES', 'DIFF ID (sha256 of its tar)'],
      layers.map((l, i) => [String(i), l.history.createdBy ?? '', String(l.entries().filter((e) => e.type === 'file').length), shortId(l.diffId, 16) + '…']),
    ),
  );
  const appImage = await store.addImage({
    config: imageConfig({ architecture: 'amd64', os: 'linux', created: iso() }, layers),
    layers,
    names: ['demo/app:1.0'],
  });
  n.say(`
    Stored as image demo/app:1.0, ID ${shortId(appImage.id)} (the ID is the sha256 of the image's
    config, which lists the layers' DiffIDs in order).`);

  // 2 ------------------------------------------------------------------------------------
  n.heading('The stack, drawn');
  n.say(`
    Reading a path looks at the layers from the top down and takes the first layer that
    has it. Directories are merged: /etc shows the files of every layer.`);
  n.cmd(`overlay${storeArg} stack demo/app:1.0`);
  n.show(stackText(layers, undefined, (i) => `layer ${i}: ${layers[i as number]!.history.createdBy}`, 'image demo/app:1.0'));
  n.say(`
    Layer 1 deleted /var/cache/apt/pkgcache.bin with a whiteout: the bytes are still in
    layer 0 (images only grow), but nobody can see them any more.`);

  // 3 ------------------------------------------------------------------------------------
  n.heading('A container: one writable layer on top');
  tick();
  const web = await store.createContainer(appImage, { name: 'web', imageName: 'demo/app:1.0' });
  n.cmd(`overlay${storeArg} create demo/app:1.0 --name web`);
  n.show(`${shortId(web.id)}  web`);
  n.say(`
    The container gets a new, empty "upper" layer. The image layers stay read-only:
    every change the container makes goes to the upper layer.`);
  n.cmd(`overlay${storeArg} ls web /`);
  const view0 = await store.mount(web);
  n.show((view0.fs.readdirSync('/') as string[]).map((e) => `${e}/`).join('  '));

  const describe = (container: ContainerRecord | undefined) => (ref: LayerRef) =>
    ref === 'upper' ? `upper (container ${container?.name ?? '?'})` : `layer ${ref}`;
  const change = async (fn: (o: Overlay) => void): Promise<Overlay> => {
    tick();
    const overlay = await store.mount(web);
    fn(overlay);
    await store.saveUpper(web, overlay);
    return store.mount(web);
  };

  // 4 ------------------------------------------------------------------------------------
  n.heading('Changing a lower file: copy-up');
  n.say(`
    /etc/motd exists in layer 0 and layer 2; layer 2's copy is on top, so it wins:`);
  n.cmd(`overlay${storeArg} explain web /etc/motd`);
  n.show(renderExplanation(view0.explain('/etc/motd'), describe(web)));
  let view = await change((o) => o.fs.writeFileSync('/etc/motd', 'Welcome to the web container!\n'));
  n.cmd(`overlay${storeArg} write web /etc/motd "Welcome to the web container!"`);
  n.cmd(`overlay${storeArg} explain web /etc/motd`);
  n.show(renderExplanation(view.explain('/etc/motd'), describe(web)));
  n.say(`
    Writing a lower file first copies it up into the writable layer ("copy-up"); the
    write changes the copy. The image is untouched:`);
  n.cmd(`overlay${storeArg} cat demo/app:1.0 /etc/motd`);
  n.show(new TextDecoder().decode(view0.fs.readFileSync('/etc/motd') as Uint8Array));
  n.cmd(`overlay${storeArg} cat web /etc/motd`);
  n.show(new TextDecoder().decode(view.fs.readFileSync('/etc/motd') as Uint8Array));

  // 5 ------------------------------------------------------------------------------------
  n.heading('Deleting a lower file: a whiteout');
  view = await change((o) => o.fs.unlinkSync('/bin/ls'));
  n.cmd(`overlay${storeArg} rm web /bin/ls`);
  n.cmd(`overlay${storeArg} explain web /bin/ls`);
  n.show(renderExplanation(view.explain('/bin/ls'), describe(web)));
  n.say(`
    A read-only layer cannot lose a file, so the upper layer records a whiteout: a marker
    that hides the path in every layer below. In an OCI layer tar it is an empty file
    named .wh.ls.`);

  // 6 ------------------------------------------------------------------------------------
  n.heading('Removing a directory and making it again: an opaque directory');
  view = await change((o) => {
    o.fs.rmSync('/usr/share/doc', { recursive: true });
    o.fs.mkdirSync('/usr/share/doc');
    o.fs.writeFileSync('/usr/share/doc/NOTES', 'Our own notes.\n');
  });
  n.cmd(`overlay${storeArg} rm -r web /usr/share/doc`);
  n.cmd(`overlay${storeArg} mkdir web /usr/share/doc`);
  n.cmd(`overlay${storeArg} write web /usr/share/doc/NOTES "Our own notes."`);
  n.cmd(`overlay${storeArg} ls web /usr/share/doc`);
  n.show((view.fs.readdirSync('/usr/share/doc') as string[]).join('  '));
  n.cmd(`overlay${storeArg} explain web /usr/share/doc`);
  n.show(renderExplanation(view.explain('/usr/share/doc'), describe(web)));
  n.say(`
    The new directory is "opaque": it does not merge with the old one below, so README and
    LICENSE stay hidden (OCI marks this with a .wh..wh..opq entry).`);
  n.cmd(`overlay${storeArg} explain web /usr/share/doc/README`);
  n.show(renderExplanation(view.explain('/usr/share/doc/README'), describe(web)));

  // 7 ------------------------------------------------------------------------------------
  n.heading('What changed: diff');
  n.cmd(`overlay${storeArg} diff web`);
  n.show(
    view
      .diff()
      .map((c) => `${c.kind} ${c.path}`)
      .join('\n'),
  );
  n.say(`
    A = added, C = changed, D = deleted, as docker diff prints them. Directories above a
    change count as changed.`);
  n.cmd(`overlay${storeArg} stack web`);
  const upperNow = view.commitSync();
  n.show(stackText([...layers, upperNow], web, (ref) => (ref === layers.length ? 'upper: container web (writable)' : `layer ${ref}: ${layers[ref as number]!.history.createdBy}`), 'container web'));

  // 8 ------------------------------------------------------------------------------------
  n.heading('Commit: the writable layer becomes an image layer');
  tick();
  const created = iso();
  const upper = view.commitSync({ createdBy: 'overlay commit web', comment: 'custom motd, no ls, our notes', author: 'Demo <demo@example.org>', created });
  const config = childConfig(appImage.config, { diffId: upper.diffId, history: historyEntry(upper.history), created, author: 'Demo <demo@example.org>' });
  const v11 = await store.addImage({ config, layers: [upper], names: ['demo/app:1.1'] });
  n.cmd(`overlay${storeArg} commit web demo/app:1.1 -m "custom motd, no ls, our notes" --author "Demo <demo@example.org>"`);
  n.show(v11.id);
  n.cmd(`overlay${storeArg} history demo/app:1.1`);
  const rows = historyRows(v11.config).reverse();
  n.show(
    table(
      ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE'],
      rows.map((r, i) => [
        i === 0 ? shortId(v11.id) : i === 1 ? shortId(appImage.id) : '<missing>',
        r.created ?? '',
        r.createdBy.length > 44 ? r.createdBy.slice(0, 43) + '…' : r.createdBy,
        formatBytes(r.layerIndex === undefined ? 0 : [...layers, upper][r.layerIndex]!.size),
      ]),
    ),
  );
  n.say(`
    The new image reuses the three layers of demo/app:1.0 and adds one: the container's
    upper layer, with its copy-up, its whiteout and its opaque directory.`);

  // 9 ------------------------------------------------------------------------------------
  n.heading('Digests: DiffIDs and ChainIDs');
  const diffIds = v11.config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  n.show(diffIds.map((d, i) => `layer ${i}  DiffID   ${d}\n         ChainID  ${chains[i]!}`).join('\n'));
  const check = sha256Digest(new TextEncoder().encode(`${chains[0]} ${diffIds[1]}`));
  n.say(`
    DiffID  = sha256 of a layer's uncompressed tar: the layer alone.
    ChainID = the layer together with everything below it:
              ChainID(0) = DiffID(0)
              ChainID(n) = sha256(ChainID(n-1) + " " + DiffID(n))
    e.g. sha256("${shortId(chains[0]!, 8)}… ${shortId(diffIds[1]!, 8)}…") = ${shortId(check, 16)}… = ChainID(1) ${check === chains[1] ? '✓' : '✗'}
    The same layer on another base has the same DiffID but a different ChainID. Image ID of
    demo/app:1.1 = sha256 of its config = ${v11.id}`);

  // 10 -----------------------------------------------------------------------------------
  n.heading('Two images sharing their base layers');
  tick();
  const toolsH: LayerHistory = { created: iso(), createdBy: 'COPY debug-tool /usr/bin/  # and its own /etc/motd' };
  const tools = toolsLayer(toolsH);
  const toolsImage = await store.addImage({
    config: imageConfig({ architecture: 'amd64', os: 'linux', created: iso() }, [base, deps, tools]),
    layers: [base, deps, tools],
    names: ['demo/tools:1.0'],
  });
  n.say(`
    demo/tools:1.0 is built FROM the same first two layers. The store keeps every layer
    once, by digest; images only point at them.`);
  n.cmd(`overlay${storeArg} layers`);
  const users = new Map<string, string[]>();
  const images: ImageRecord[] = [appImage, v11, toolsImage];
  for (const image of images) for (const d of image.config.rootfs.diff_ids) users.set(d, [...(users.get(d) ?? []), image.names[0] ?? shortId(image.id)]);
  n.show(
    table(
      ['DIFF ID', 'SIZE', 'SHARED BY', 'IMAGES'],
      [...users].map(([d, names]) => [shortId(d), formatBytes(store.layerBlob(d)?.size ?? 0), String(names.length), names.join(', ')]),
    ),
  );
  const usage = await store.diskUsage();
  n.cmd(`overlay${storeArg} df    # in short:`);
  n.show(
    `${usage.layers.count} layers stored in ${formatBytes(usage.layers.bytes)} (gzip): ${formatBytes(usage.layers.sharedBytes)} shared by several images, ${formatBytes(usage.layers.uniqueBytes)} used by one.`,
  );
  n.cmd(`overlay${storeArg} explain demo/tools:1.0 /etc/motd`);
  const toolsView = new Overlay({ lowers: await store.layers(toolsImage) });
  n.show(renderExplanation(toolsView.explain('/etc/motd'), describe(undefined)));

  // 11 -----------------------------------------------------------------------------------
  n.heading('The store is an OCI image layout');
  n.say(`
    Everything above lives in ${kept ? storeDir : 'the store'} as an OCI image layout (oci-layout,
    index.json, blobs/sha256/...), so the standard tools read it:`);
  const s = kept ? storeDir : 'STORE';
  n.show(
    [
      `skopeo inspect oci:${s}:demo/app:1.1`,
      `umoci unpack --image ${s}:demo/app:1.1 bundle`,
      `oci-image-tool validate --type image ${s}`,
      `overlay --store ${s} save demo/app:1.1 -o app.tar     # then: docker load -i app.tar`,
    ].join('\n'),
  );
  if (!kept) n.say('\nRun "overlay demo --keep" to keep the store and try them.');
  n.say(`\nDone: ${store.images().length} images, ${(await store.containers()).length} container, every digest reproducible.`);
}

function stackText(layers: readonly Layer[], container: ContainerRecord | undefined, title: (ref: number) => string, heading: string): string {
  const boxes: StackBox[] = [];
  for (let i = layers.length - 1; i >= 0; i--) {
    const isUpper = container !== undefined && i === layers.length - 1;
    boxes.push({ title: title(i), ...(isUpper ? {} : { note: shortId(layers[i]!.diffId) }), changes: layerChanges(layers, i) });
  }
  return renderStack(boxes, { width: WIDTH - 2, heading: `${heading}: the merged view` });
}

