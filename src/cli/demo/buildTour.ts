/**
 * `overlay demo build`: the lesson about instruction order, played with real `overlay build`
 * command lines. The same app is built twice, once with its dependencies installed before the
 * sources are copied and once after; a one-line source change then rebuilds one step in the
 * first and every step after `COPY . .` in the second, and `--what-if` says so first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliRunner } from '../context.js';
import { Player } from './Player.js';
import { DEMO_EPOCH, DEMO_PLATFORM } from './playTour.js';
import { OS_TAR } from './tour.js';
import { BAD, GOOD } from './buildApp.js';

function writeApp(dir: string, containerfile: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), containerfile);
  writeFileSync(join(dir, 'package.json'), '{ "dependencies": { "left-pad": "1.3.0" } }\n');
  writeFileSync(join(dir, 'src/app.js'), 'console.log("hello");\n');
  writeFileSync(join(dir, '.dockerignore'), 'node_modules\n*.log\n');
}

export async function playBuildTour(options: { write(text: string): void; cli: CliRunner; storeDir: string; cwd: string }): Promise<void> {
  // Step times are left out (OVERLAY_STEP_TIMES=0), so the output is the same on every run.
  const env = { OVERLAY_STORE: options.storeDir, SOURCE_DATE_EPOCH: String(DEMO_EPOCH), OVERLAY_PLATFORM: DEMO_PLATFORM, OVERLAY_STEP_TIMES: '0' };
  const player = new Player({ write: options.write, cli: options.cli, env, cwd: options.cwd });
  writeApp(join(options.cwd, 'good'), GOOD);
  writeApp(join(options.cwd, 'bad'), BAD);
  player.title('overlay demo build: why the order of instructions decides what a change rebuilds');
  player.say('Each "$ overlay ..." line is a real command; under it is what it printed (progress is on stderr).');
  player.heading('A base image, and two Containerfiles for the same app');
  await player.run({ argv: ['import', OS_TAR, 'demo/os:1.0'] });
  player.show(`good/Dockerfile:\n${GOOD}`);
  player.show(`bad/Dockerfile (the same steps, dependencies installed after COPY . .):\n${BAD}`);
  player.heading('First builds: every step runs');
  await player.run({ argv: ['build', '-t', 'app:good', 'good'] });
  await player.run({ argv: ['build', '-t', 'app:bad', 'bad'] });
  player.heading('Before editing src/app.js: what would it rebuild?');
  player.say('--what-if changes nothing; it reads the cache and says which steps an edit would run again.');
  await player.run({ argv: ['build', '--what-if', 'src/app.js', 'good'] });
  await player.run({ argv: ['build', '--what-if', 'src/app.js', 'bad'] });
  player.heading('A one-line change to src/app.js, and the rebuilds');
  writeFileSync(join(options.cwd, 'good/src/app.js'), 'console.log("hello, world");\n');
  writeFileSync(join(options.cwd, 'bad/src/app.js'), 'console.log("hello, world");\n');
  await player.run({ argv: ['build', '-t', 'app:good', 'good'] });
  await player.run({ argv: ['build', '-t', 'app:bad', 'bad'] });
  player.say(
    [
      'With package.json copied and the dependencies installed first, the edit rebuilt only the',
      'steps from COPY . . on: the install stayed cached. With COPY . . first, the same edit missed',
      'at COPY . . ("src/app.js changed (content)"), and every later step ran again because its',
      'parent missed: the install too. Copy what a slow step needs, run it, then copy the rest.',
    ].join('\n'),
  );
}
