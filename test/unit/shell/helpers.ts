import { Layer, Overlay } from '../../../src/index.js';
import { runShell, type ShellOptions, type ShellResult } from '../../../src/shell/index.js';

export function overlay(): Overlay {
  const base = Layer.fromEntries([
    { path: '/etc/passwd', type: 'file', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' },
    { path: '/etc/group', type: 'file', content: 'root:x:0:\napp:x:1000:\nstaff:x:50:\n' },
    { path: '/data/a.txt', type: 'file', content: 'alpha\nbeta\ngamma\n' },
    { path: '/data/b.txt', type: 'file', content: 'one\n' },
    { path: '/data/.hidden', type: 'file', content: 'h' },
    { path: '/data/sub/c.md', type: 'file', content: 'c' },
    { path: '/bin/tool', type: 'file', content: 'x', mode: 0o755 },
  ]);
  return new Overlay({ lowers: [base], clock: () => 1_700_000_000_000 });
}

export async function sh(script: string, options: Partial<ShellOptions> = {}): Promise<ShellResult & { ov: Overlay }> {
  const ov = overlay();
  const result = await runShell(script, { fs: ov.fs, ...options });
  return { ...result, ov };
}
