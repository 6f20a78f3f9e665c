/**
 * The tour `overlay demo` plays: sections of narration and real `overlay` command lines. Every
 * layer it shows is made by a command here (import, then create, write, rm and commit), and
 * every output is what the command prints.
 */
import { sha256Digest } from '../../digest/index.js';
import { shortId } from '../render/format.js';
import type { DemoCommand } from './Player.js';

/** What narration may depend on: the store, and the outputs of earlier commands kept by name. */
export interface TourFacts {
  /** The store's path when it outlives the tour (`--keep`, `--store`). */
  keptStore: string | undefined;
  outputs: ReadonlyMap<string, string>;
}

export type TourText = string | ((facts: TourFacts) => string);

export type TourStep = { say: TourText } | { show: TourText } | { run: DemoCommand; keepAs?: string };

export interface TourSection {
  title: string;
  steps: readonly TourStep[];
}

/** The tar the first layer is imported from, written to the tour's working directory. */
export const OS_TAR = 'demo-os.tar';

const say = (text: TourText): TourStep => ({ say: typeof text === 'string' ? unindent(text) : (f) => unindent(text(f)) });
const overlay = (...argv: string[]): TourStep => ({ run: { argv } });
const echo = (text: string, ...argv: string[]): TourStep => ({ run: { argv, echo: text } });

function unindent(text: string): string {
  const lines = text.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

interface Digests {
  Id: string;
  RootFS: { Layers: string[] };
  ChainIDs: string[];
}

const digests: DemoCommand['jq'] = {
  filter: '.[0] | {Id, RootFS, ChainIDs}',
  apply: (json) => {
    const first = (json as Record<string, unknown>[])[0] ?? {};
    return { Id: first['Id'] ?? null, RootFS: first['RootFS'] ?? null, ChainIDs: first['ChainIDs'] ?? null };
  },
};

function chainIdCheck(facts: TourFacts): string {
  const { RootFS, ChainIDs } = JSON.parse(facts.outputs.get('digests') ?? '{}') as Digests;
  const diffIds = RootFS.Layers;
  const check = sha256Digest(new TextEncoder().encode(`${ChainIDs[0]} ${diffIds[1]}`));
  return `
    DiffID  = sha256 of a layer's uncompressed tar: the layer alone.
    ChainID = the layer together with everything below it:
              ChainID(0) = DiffID(0)
              ChainID(n) = sha256(ChainID(n-1) + " " + DiffID(n))
    e.g. sha256("${shortId(ChainIDs[0]!, 8)}… ${shortId(diffIds[1]!, 8)}…") = ${shortId(check, 16)}… = ChainID(1) ${check === ChainIDs[1] ? '✓' : '✗'}
    The same layer on another base has the same DiffID but a different ChainID. The image's
    Id is the sha256 of its config, which lists the DiffIDs in order.`;
}

export const TOUR: readonly TourSection[] = [
  {
    title: 'Three read-only layers',
    steps: [
      say(`
        An image is a stack of layers. Each layer is a changeset: the files it adds or
        changes, and "whiteouts" for the files it deletes. We build demo/app:1.0 as a
        Dockerfile would, one layer per step. The first layer is a root filesystem, imported
        from a tar the demo wrote (${OS_TAR}, a tiny OS):`),
      overlay('import', OS_TAR, 'demo/os:1.0', '-m', 'a tiny OS'),
      say(`
        Each next layer is what a container changed, committed, as docker build does it.
        Install "python3" and clear the package cache:`),
      overlay('create', 'demo/os:1.0', '--name', 'build'),
      echo('#!demo python', 'write', 'build', '/usr/bin/python3', '-p', '--mode', '755'),
      echo('# the os module', 'write', 'build', '/usr/lib/python3/os.py', '-p'),
      overlay('rm', 'build', '/var/cache/apt/pkgcache.bin'),
      overlay('commit', 'build', 'demo/python:1.0', '--created-by', 'RUN apt-get install python3 && apt-get clean'),
      overlay('rm', 'build'),
      say('Then the application (its files and a new /etc/motd), on top of demo/python:1.0:'),
      overlay('create', 'demo/python:1.0', '--name', 'build'),
      echo('print("hello from the demo app")', 'write', 'build', '/app/main.py', '-p'),
      echo('{ "port": 8080 }', 'write', 'build', '/app/config.json'),
      echo('Welcome to the demo app!', 'write', 'build', '/etc/motd'),
      overlay('commit', 'build', 'demo/app:1.0', '--created-by', 'COPY rootfs/ /'),
      overlay('rm', 'build'),
      say(`
        Three layers, newest first, each with the step that made it. Each step is an image of
        its own, so history shows their IDs. (The clock is stopped, hence "Less than a second ago".)`),
      overlay('history', 'demo/app:1.0'),
    ],
  },
  {
    title: 'The stack, drawn',
    steps: [
      say(`
        Reading a path looks at the layers from the top down and takes the first layer that
        has it. Directories are merged: /etc shows the files of every layer.`),
      overlay('stack', 'demo/app:1.0'),
      say(`
        Layer 1 deleted /var/cache/apt/pkgcache.bin with a whiteout: the bytes are still in
        layer 0 (images only grow), but nobody can see them any more.`),
    ],
  },
  {
    title: 'A container: one writable layer on top',
    steps: [
      overlay('create', 'demo/app:1.0', '--name', 'web'),
      say(`
        The container gets a new, empty "upper" layer. The image layers stay read-only:
        every change the container makes goes to the upper layer.`),
      overlay('ls', 'web', '/'),
    ],
  },
  {
    title: 'Changing a lower file: copy-up',
    steps: [
      say(`/etc/motd exists in layer 0 and layer 2; layer 2's copy is on top, so it wins:`),
      overlay('explain', 'web', '/etc/motd'),
      echo('Welcome to the web container!', 'write', 'web', '/etc/motd'),
      overlay('explain', 'web', '/etc/motd'),
      say(`
        Writing a lower file first copies it up into the writable layer ("copy-up"); the
        write changes the copy. The image is untouched:`),
      overlay('cat', 'demo/app:1.0', '/etc/motd'),
      overlay('cat', 'web', '/etc/motd'),
    ],
  },
  {
    title: 'Deleting a lower file: a whiteout',
    steps: [
      overlay('rm', 'web', '/bin/ls'),
      overlay('explain', 'web', '/bin/ls'),
      say(`
        A read-only layer cannot lose a file, so the upper layer records a whiteout: a marker
        that hides the path in every layer below. In an OCI layer tar it is an empty file
        named .wh.ls.`),
    ],
  },
  {
    title: 'Removing a directory and making it again: an opaque directory',
    steps: [
      overlay('rm', '-r', 'web', '/usr/share/doc'),
      overlay('mkdir', 'web', '/usr/share/doc'),
      echo('Our own notes.', 'write', 'web', '/usr/share/doc/NOTES'),
      overlay('ls', 'web', '/usr/share/doc'),
      overlay('explain', 'web', '/usr/share/doc'),
      say(`
        The new directory is "opaque": it does not merge with the old one below, so README and
        LICENSE stay hidden (OCI marks this with a .wh..wh..opq entry).`),
      overlay('explain', 'web', '/usr/share/doc/README'),
    ],
  },
  {
    title: 'What changed: diff',
    steps: [
      overlay('diff', 'web'),
      say(`
        A = added, C = changed, D = deleted, as docker diff prints them. Directories above a
        change count as changed.`),
      overlay('stack', 'web'),
    ],
  },
  {
    title: 'Commit: the writable layer becomes an image layer',
    steps: [
      overlay('commit', 'web', 'demo/app:1.1', '-m', 'custom motd, no ls, our notes', '--author', 'Demo <demo@example.org>'),
      overlay('history', 'demo/app:1.1'),
      say(`
        The new image reuses the three layers of demo/app:1.0 and adds one: the container's
        upper layer, with its copy-up, its whiteout and its opaque directory.`),
    ],
  },
  {
    title: 'Digests: DiffIDs and ChainIDs',
    steps: [
      say(`inspect prints an image as JSON; here are its ID and the digests of its layers:`),
      { run: { argv: ['inspect', 'demo/app:1.1'], jq: digests }, keepAs: 'digests' },
      say(chainIdCheck),
    ],
  },
  {
    title: 'Two images sharing their base layers',
    steps: [
      say(`demo/tools:1.0 is built FROM demo/python:1.0 too, so it shares two layers with demo/app:1.0:`),
      overlay('create', 'demo/python:1.0', '--name', 'build'),
      echo('#!demo debugger', 'write', 'build', '/usr/bin/debug-tool', '--mode', '755'),
      echo('Tools image: handle with care.', 'write', 'build', '/etc/motd'),
      overlay('commit', 'build', 'demo/tools:1.0', '--created-by', 'COPY tools/ /'),
      overlay('rm', 'build'),
      say(`The store keeps every layer once, by digest; images and containers only point at them:`),
      overlay('layers'),
      overlay('df'),
      say(`The two images share layers 0 and 1, not their tops: demo/tools:1.0 sees its own /etc/motd:`),
      overlay('explain', 'demo/tools:1.0', '/etc/motd'),
    ],
  },
  {
    title: 'The store is an OCI image layout',
    steps: [
      say(`Five images, two of them (demo/os:1.0, demo/python:1.0) the bases the others are built FROM:`),
      overlay('images'),
      say(
        ({ keptStore }) => `
        Everything above lives in ${keptStore ?? 'the store'} as an OCI image layout (oci-layout,
        index.json, blobs/sha256/...), so the standard tools read it:`,
      ),
      {
        show: ({ keptStore }) => {
          const s = keptStore ?? 'STORE';
          return [
            `skopeo inspect oci:${s}:demo/app:1.1`,
            `umoci unpack --image ${s}:demo/app:1.1 bundle`,
            `oci-image-tool validate --type image ${s}`,
            `overlay --store ${s} save demo/app:1.1 -o app.tar     # then: docker load -i app.tar`,
          ].join('\n');
        },
      },
      say(({ keptStore }) => (keptStore === undefined ? 'Run "overlay demo --keep" to keep the store and try them.' : '')),
    ],
  },
];
