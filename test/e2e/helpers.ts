/**
 * Runs the built `overlay` binary as a user would: `node dist/cli/overlay.cjs …` in a temporary
 * store. `ensureBuilt` builds `dist/` first when it is missing or older than `src/` (once per
 * run, even with test files in parallel workers).
 */
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'dist', 'cli', 'overlay.cjs');
/** A fixed clock (SOURCE_DATE_EPOCH) makes digests and outputs reproducible. */
export const EPOCH = '1700000000';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(path) : st.mtimeMs);
  }
  return newest;
}

function stale(): boolean {
  return !existsSync(BIN) || statSync(BIN).mtimeMs < newestMtime(join(ROOT, 'src'));
}

export async function ensureBuilt(): Promise<void> {
  if (!stale()) return;
  const lock = join(tmpdir(), `overlay-e2e-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
  for (let waited = 0; ; waited += 200) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      // Another worker builds; a lock older than 5 minutes is left over from a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { force: true });
      await new Promise((r) => setTimeout(r, 200));
      if (!stale()) return;
    }
  }
  try {
    if (!stale()) return;
    const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  } finally {
    rmSync(lock, { force: true });
  }
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  input?: string | Uint8Array;
  env?: Record<string, string>;
  cwd?: string;
}

/** A runner bound to one temporary store. */
export interface Overlay {
  (args: readonly string[], options?: RunOptions): Result;
  store: string;
  dir: string;
  /** Runs and expects exit code 0; returns stdout. */
  ok(args: readonly string[], options?: RunOptions): string;
  json<T = unknown>(args: readonly string[], options?: RunOptions): T;
}

/**
 * The test file's temporary directories, under one root removed after its last test (vitest
 * loads this module afresh for each test file, so each file registers its own hook).
 */
let tempRoot: string | undefined;
afterAll(() => {
  if (tempRoot !== undefined) rmSync(tempRoot, { recursive: true, force: true });
  tempRoot = undefined;
});

export function tempDir(prefix = 'overlay-e2e-'): string {
  tempRoot ??= mkdtempSync(join(tmpdir(), 'overlay-e2e-run-'));
  return mkdtempSync(join(tempRoot, prefix));
}

export function overlayIn(dir = tempDir()): Overlay {
  const store = join(dir, 'store');
  const run = ((args: readonly string[], options: RunOptions = {}): Result => {
    const r: SpawnSyncReturns<Buffer> = spawnSync(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? dir,
      input: options.input,
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, OVERLAY_STORE: store, SOURCE_DATE_EPOCH: EPOCH, ...options.env },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
  }) as Overlay;
  run.store = store;
  run.dir = dir;
  run.ok = (args, options) => {
    const r = run(args, options);
    if (r.code !== 0) throw new Error(`overlay ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  run.json = <T>(args: readonly string[], options?: RunOptions): T => JSON.parse(run.ok([...args, '--json'], options)) as T;
  return run;
}

/** A one-file image `small:1` and a container `c` of it: the little store the kill tests work in. */
export function smallImageWithContainer(o: Overlay): void {
  mkdirSync(join(o.dir, 'small', 'etc'), { recursive: true });
  writeFileSync(join(o.dir, 'small', 'etc', 'motd'), 'hi\n');
  o.ok(['import', 'small', 'small:1']);
  o.ok(['create', 'small:1', '--name', 'c']);
}

/** Starts the binary without waiting (for concurrency and kill tests). */
export function spawnOverlay(o: Overlay, args: readonly string[]) {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: o.dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: o.dir, OVERLAY_STORE: o.store, SOURCE_DATE_EPOCH: EPOCH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Whether an external tool is installed; in CI (CI=true) a missing tool is an error, not a skip. */
export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env['CI'] === 'true') {
      throw new Error(`${name} is not installed; CI needs it (Debian package: ${name})`);
    }
    return false;
  }
}

export function sh(command: string, cwd: string, env: Record<string, string> = {}): string {
  return execFileSync('sh', ['-c', command], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Generous limits: every step starts a Node process, and CI machines can be slow and busy. */
export const HOOK_TIMEOUT = 600_000;
export const TEST_TIMEOUT = 300_000;
