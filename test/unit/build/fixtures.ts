/** What the build tests share: a store in memory, a base image with users, a build that keeps its log. */
import { build, memoryContext, type BuildOptions } from '../../../src/build/index.js';
import { Layer } from '../../../src/layer/index.js';
import { Overlay } from '../../../src/overlay/index.js';
import { Store, memoryBackend } from '../../../src/store/index.js';
import { importImage } from '../../../src/app/index.js';

export const open = (): Promise<Store> => Store.openBackend(memoryBackend(), { clock: () => 0, platform: { os: 'linux', architecture: 'amd64' } });

/** base:1.0 with /etc/passwd and /etc/group (root and app, 1000) and /bin/sh. */
export async function withBase(store: Store): Promise<void> {
  const layer = Layer.fromEntries([
    { path: '/etc/passwd', type: 'file', content: 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' },
    { path: '/etc/group', type: 'file', content: 'root:x:0:\napp:x:1000:\n' },
    { path: '/bin/sh', type: 'file', content: 'sh', mode: 0o755 },
  ]);
  await importImage(store, { source: { layer }, history: { createdBy: 'base' }, name: 'base:1.0', created: new Date(0).toISOString() });
}

export async function run(store: Store, files: Record<string, string | Uint8Array>, extra: Partial<BuildOptions> = {}) {
  const lines: string[] = [];
  const result = await build({ store, context: memoryContext(files), onProgress: (l) => lines.push(l), now: () => 0, ...extra });
  return { ...result, log: lines.join('\n') };
}

export async function view(store: Store, ref: string): Promise<Overlay> {
  return new Overlay({ lowers: await store.layers(store.resolveImage(ref)) });
}
