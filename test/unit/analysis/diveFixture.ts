/**
 * The layers of dive's own CI example, cmd/dive/cli/testdata/image-multi-layer-dockerfile
 * (its Dockerfile, example.md and overwrite.md), built as Docker's builder writes them: each
 * RUN layer also holds an empty /etc (the runtime's mount points for /etc/hosts and
 * /etc/resolv.conf), which is why dive's snapshot lists /etc ten times. The base stands in for
 * busybox:1.37.0: a 4.2 MB binary, /etc with files, an empty /root.
 */
import { Layer, type LayerEntryInput } from '../../../src/layer/index.js';

export const EXAMPLE = '# exmaple!\n\nwoot!';
export const OVERWRITE = '# evil!\n\nthis will overwrite the other file...';

const dir = (path: string, mode = 0o755): LayerEntryInput => ({ path, type: 'dir', mode });
const file = (path: string, content: string, mode = 0o644): LayerEntryInput => ({ path, type: 'file', content, mode });
const run = (...entries: LayerEntryInput[]): Layer => Layer.fromEntries([dir('/etc'), ...entries]);

export const DIVE_STEPS = [
  'ADD file:busybox in /',
  'ADD example.md /somefile.txt',
  'RUN mkdir -p /root/example/really/nested',
  'RUN cp /somefile.txt /root/example/somefile1.txt',
  'RUN chmod 444 /root/example/somefile1.txt',
  'RUN cp /somefile.txt /root/example/somefile2.txt',
  'RUN cp /somefile.txt /root/example/somefile3.txt',
  'RUN mv /root/example/somefile3.txt /root/saved.txt',
  'RUN cp /root/saved.txt /root/.saved.txt',
  'RUN chmod +x /root/saved.txt',
  'RUN chmod 421 /root',
  'RUN rm -rf /root/example/',
  'ADD overwrite.md /root/saved.txt',
];

export function diveExampleLayers(): Layer[] {
  return [
    Layer.fromEntries([
      dir('/bin'),
      { path: '/bin/busybox', type: 'file', content: new Uint8Array(4_200_000), mode: 0o755 },
      { path: '/bin/sh', type: 'hardlink', target: '/bin/busybox' },
      dir('/etc'),
      file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'),
      file('/etc/group', 'root:x:0:\n'),
      dir('/root', 0o700),
      dir('/tmp', 0o1777),
    ]),
    Layer.fromEntries([file('/somefile.txt', EXAMPLE)]),
    run(dir('/root', 0o700), dir('/root/example'), dir('/root/example/really'), dir('/root/example/really/nested')),
    run(dir('/root', 0o700), dir('/root/example'), file('/root/example/somefile1.txt', EXAMPLE)),
    run(dir('/root', 0o700), dir('/root/example'), file('/root/example/somefile1.txt', EXAMPLE, 0o444)),
    run(dir('/root', 0o700), dir('/root/example'), file('/root/example/somefile2.txt', EXAMPLE)),
    run(dir('/root', 0o700), dir('/root/example'), file('/root/example/somefile3.txt', EXAMPLE)),
    run(dir('/root', 0o700), dir('/root/example'), { path: '/root/example/somefile3.txt', type: 'whiteout' }, file('/root/saved.txt', EXAMPLE)),
    run(dir('/root', 0o700), file('/root/.saved.txt', EXAMPLE)),
    run(dir('/root', 0o700), file('/root/saved.txt', EXAMPLE, 0o755)),
    run(dir('/root', 0o421)),
    run(dir('/root', 0o421), { path: '/root/example', type: 'whiteout' }),
    Layer.fromEntries([dir('/root', 0o421), file('/root/saved.txt', OVERWRITE, 0o644)]),
  ];
}
