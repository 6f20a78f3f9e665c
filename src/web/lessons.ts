/**
 * The guided lessons: each a short script of real `overlay` command lines (run through the
 * CLI's own code, like `overlay demo`'s tour, src/cli/demo/tour.ts) with one sentence per step.
 * Each lesson runs on a store of its own, in memory, so stepping back replays it from the start.
 */
import { BAD, GOOD } from '../cli/demo/buildApp.js';
import { quoteWord } from './ui/words.js';

export interface LessonStep {
  say: string;
  argv: readonly string[];
  /** Piped to stdin, shown as `PRODUCER | overlay …`. */
  stdin?: { bytes: () => Uint8Array; shown: string };
  /** A path the page selects after the step (its explain and content show). */
  select?: string;
  /** The view the page shows after the step (a container or image). */
  target?: string;
  /** Printed in the terminal before the command (a Containerfile the step builds). */
  show?: string;
  /** Instead of a command: files of the lesson's context changed (paths from the page's working directory), shown as this shell line. */
  edit?: { files: Readonly<Record<string, string>>; shown: string };
}

export interface Lesson {
  id: string;
  title: string;
  intro: string;
  steps: readonly LessonStep[];
  /** Host files the lesson starts with (a build context), from the page's working directory. */
  files?: Readonly<Record<string, string>>;
}

const text = (t: string): Uint8Array => new TextEncoder().encode(t);
const step = (say: string, ...argv: string[]): LessonStep => ({ say, argv });
const withSel = (s: LessonStep, select: string, target?: string): LessonStep => ({ ...s, select, ...(target === undefined ? {} : { target }) });
/** In backquotes: the architecture test reads `import '…'` in quotes as a module import. */
const IMPORT = `import`;
const base = [
  step('Import a tiny OS (a root filesystem tar) as a one-layer image.', IMPORT, 'demo-os.tar', 'demo/os:1.0', '-m', 'a tiny OS'),
  step('Create a container: the image read-only below, an empty writable "upper" layer on top.', 'create', 'demo/os:1.0', '--name', 'web'),
];
const BIG = 300_000;

const EDITED = 'console.log("hello, world");\n';

function appContext(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [dir, containerfile] of [['good', GOOD], ['bad', BAD]] as const) {
    files[`${dir}/Dockerfile`] = containerfile;
    files[`${dir}/package.json`] = '{ "dependencies": { "left-pad": "1.3.0" } }\n';
    files[`${dir}/src/app.js`] = 'console.log("hello");\n';
    files[`${dir}/.dockerignore`] = 'node_modules\n*.log\n';
  }
  return files;
}

export const LESSONS: readonly Lesson[] = [
  {
    id: 'copy-up',
    title: 'Copy-up',
    intro: 'Changing a file of a lower layer copies it up to the writable layer first; the lower layer never changes.',
    steps: [
      ...base,
      withSel(step('Before any change, /etc/motd comes from layer 0, the image.', 'explain', 'web', '/etc/motd'), '/etc/motd', 'web'),
      withSel(step('Append a line: the file (and its parent /etc) is copied up to the upper layer, then changed there.', 'append', 'web', '/etc/motd', 'Have fun!\n'), '/etc/motd', 'web'),
      withSel(step('Now the upper layer provides it, and layer 0 still holds the original, shadowed.', 'explain', 'web', '/etc/motd'), '/etc/motd', 'web'),
      { say: `A big file in a new image layer: ${BIG} bytes, 5 blocks of 64 KiB.`, argv: ['write', 'web', '/data/big.bin', '-p'], stdin: { bytes: () => new Uint8Array(BIG).fill(0x2e), shown: `head -c ${BIG} /dev/zero | tr '\\0' .` } },
      step('Commit it as an image, and start a fresh container from it.', 'commit', 'web', 'demo/big:1.0'),
      step('A container of the new image.', 'create', 'demo/big:1.0', '--name', 'big'),
      withSel(step('Append one byte: the copy-up is block-level, so only the last 64 KiB block is copied; the other blocks stay shared with the layer below.', 'append', 'big', '/data/big.bin', '!'), '/data/big.bin', 'big'),
      step('The writable layer holds the new block, not the 300 kB file: see its size.', 'ps'),
    ],
  },
  {
    id: 'whiteouts',
    title: 'Whiteouts',
    intro: 'Deleting a file of a lower layer cannot change that layer: the upper layer gets a whiteout that hides it.',
    steps: [
      ...base,
      withSel(step('Delete a file that lives in layer 0.', 'rm', 'web', '/bin/ls'), '/bin/ls', 'web'),
      withSel(step('The upper layer holds a whiteout for /bin/ls: the name is gone from the merged view, the bytes are still in layer 0.', 'explain', 'web', '/bin/ls'), '/bin/ls', 'web'),
      step('docker diff shows it as D, deleted.', 'diff', 'web'),
      step('The stack: the upper layer deletes (-) /bin/ls.', 'stack', 'web'),
      step('Committed, the whiteout becomes a .wh.ls entry in the new layer tar.', 'commit', 'web', 'demo/nols:1.0'),
      step('History: the new layer is small, yet the image is not smaller (images only grow).', 'history', 'demo/nols:1.0'),
    ],
  },
  {
    id: 'opaque',
    title: 'Opaque directories',
    intro: 'Removing a directory and making it again hides everything the lower layers had in it: an opaque directory.',
    steps: [
      ...base,
      step('What /usr/share/doc holds now, from layer 0.', 'ls', 'web', '/usr/share/doc'),
      step('Remove the directory with all it holds.', 'rm', '-r', 'web', '/usr/share/doc'),
      withSel(step('Make it again: the new directory is opaque, so nothing of layer 0 shows through.', 'mkdir', 'web', '/usr/share/doc'), '/usr/share/doc', 'web'),
      withSel(step('Explain it: the upper layer\'s opaque dir hides layer 0\'s dir.', 'explain', 'web', '/usr/share/doc'), '/usr/share/doc', 'web'),
      step('Empty, though layer 0 still has README and LICENSE.', 'ls', 'web', '/usr/share/doc'),
      step('The stack marks the opaque directory (▒).', 'stack', 'web'),
    ],
  },
  {
    id: 'sharing',
    title: 'Commit and layer sharing',
    intro: 'A commit turns the writable layer into a new image layer; images built on the same base store it once.',
    steps: [
      ...base,
      step('Change something.', 'write', 'web', '/etc/motd', 'Welcome to app one\n'),
      step('Commit: the image is the base\'s layer plus this one.', 'commit', 'web', 'app/one:1.0', '-m', 'first app'),
      step('A second container on the same base.', 'create', 'demo/os:1.0', '--name', 'two'),
      step('Another change.', 'write', 'two', '/etc/motd', 'Welcome to app two\n'),
      step('Commit it too.', 'commit', 'two', 'app/two:1.0', '-m', 'second app'),
      step('Three images, and each shows its full size…', 'images'),
      step('…but the base layer is stored once, shared by all three (and both containers).', 'layers'),
      withSel(step('The two apps differ only in their top layer.', 'history', 'app/two:1.0'), '/etc/motd', 'app/two:1.0'),
    ],
  },
  {
    id: 'build-cache',
    title: 'The build cache and instruction order',
    intro: 'overlay build keys each step by its parent and its inputs, so a change rebuilds the step it touches and every step after it. Two Containerfiles build the same app: good/ installs the dependencies before copying the sources, bad/ after. Misses are yellow, with their reason; cached steps green.',
    files: appContext(),
    steps: [
      step('A base image for both builds.', IMPORT, 'demo-os.tar', 'demo/os:1.0'),
      { ...step('Build good/: nothing is cached yet, so every step runs.', 'build', '-t', 'app:good', 'good'), show: `good/Dockerfile:\n${GOOD}`, target: 'app:good' },
      step('The same build again: every step comes from the cache (CACHED).', 'build', '-t', 'app:good', 'good'),
      { ...step('Build bad/: WORKDIR is shared with good/, then COPY . . misses and all after it run.', 'build', '-t', 'app:bad', 'bad'), show: `bad/Dockerfile:\n${BAD}`, target: 'app:bad' },
      step('Before editing src/app.js: what would good/ rebuild? (--what-if changes nothing.)', 'build', '--what-if', 'src/app.js', 'good'),
      step('And bad/: the install step too, because it comes after COPY . .', 'build', '--what-if', 'src/app.js', 'bad'),
      { say: 'A one-line change to src/app.js, in both apps.', argv: [], edit: { files: { 'good/src/app.js': EDITED, 'bad/src/app.js': EDITED }, shown: `echo '${EDITED.trim()}' | tee good/src/app.js bad/src/app.js` } },
      { ...step('Rebuild good/: the install stays cached; COPY . . misses ("src/app.js changed") and the bundle step after it runs.', 'build', '-t', 'app:good', 'good'), target: 'app:good' },
      { ...step('Rebuild bad/: the same edit misses at COPY . ., and the install runs again because its parent missed.', 'build', '-t', 'app:bad', 'bad'), target: 'app:bad' },
      withSel(step('Copy what a slow step needs, run it, then copy the rest: the new layers of app:bad.', 'history', 'app:bad'), '/app/node_modules/deps.txt', 'app:bad'),
    ],
  },
  {
    id: 'switches',
    title: 'redirect_dir, index, metacopy',
    intro: 'Kernel mount options change what the same commands do. The CLI mounts with all three off, as this machine\'s kernel does; the switches panel below runs the same operations on a fresh mount with the switches you tick.',
    steps: [
      ...base,
      withSel(step('Rename a directory that lives in layer 0. Without redirect_dir the kernel says EXDEV, so mv copies it and deletes the old one, as mv(1) does.', 'mv', 'web', '/usr/share/doc', '/usr/share/manual'), '/usr/share/manual/README', 'web'),
      withSel(step('README is a full copy in the upper layer now.', 'explain', 'web', '/usr/share/manual/README'), '/usr/share/manual/README', 'web'),
      withSel(step('chmod copies up the file; without metacopy, data and all.', 'chmod', 'web', '600', '/etc/os-release'), '/etc/os-release', 'web'),
      withSel(step('The upper layer provides it, data included.', 'explain', 'web', '/etc/os-release'), '/etc/os-release', 'web'),
      step('Two names for one file: a hard link, committed into a layer of its own.', 'ln', 'web', '/etc/passwd', '/etc/passwd.bak'),
      step('Commit it: the new layer holds /etc/passwd.bak as a hard link to /etc/passwd.', 'commit', 'web', 'demo/linked:1.0'),
      step('A container of that image.', 'create', 'demo/linked:1.0', '--name', 'two'),
      step('Change the file through one name: copy-up copies /etc/passwd alone.', 'append', 'two', '/etc/passwd', 'learner:x:1000:1000::/home/learner:/bin/sh\n'),
      withSel(step('Without index the link is broken: the other name still shows the old file. Now tick the switches below.', 'cat', 'two', '/etc/passwd.bak'), '/etc/passwd.bak', 'two'),
    ],
  },
];

/** A lesson step as the command line a learner would type. */
export function stepLine(s: LessonStep): string {
  if (s.edit !== undefined) return s.edit.shown;
  const line = ['overlay', ...s.argv.map(quoteWord)].join(' ');
  return s.stdin === undefined ? line : `${s.stdin.shown} | ${line}`;
}

export { text as encodeText };
