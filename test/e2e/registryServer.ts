/**
 * Debian's `docker-registry` (distribution 2.8) started for a test on 127.0.0.1 at a free port,
 * with a config written to a temporary directory (issue 15, "A real registry in the tests"):
 * filesystem storage, `delete: enabled`, and optionally htpasswd auth with a bcrypt entry. The
 * package's own config is never used: it listens on all interfaces.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Whether the package is installed (.ci/run installs it; in CI its absence is an error). */
export function hasRegistry(): boolean {
  const found = spawnSync(REGISTRY_BIN, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env['CI'] === 'true') throw new Error('docker-registry is not installed; CI needs it (Debian package: docker-registry)');
  return found;
}

/** The user and password of the htpasswd file (`htpasswd -nbB tester s3cret-pass`). */
export const TEST_USER = 'tester';
export const TEST_PASSWORD = 's3cret-pass';
const HTPASSWD = 'tester:$2y$05$CeOuq5XITZ8.vKrG/pc0eekKa3O.FgdroOmsJzooQkXnYATJkBRb.\n';

export interface RegistryOptions {
  /** htpasswd (Basic) auth with TEST_USER / TEST_PASSWORD. */
  auth?: boolean;
  /** Reuse this storage directory (a restart after a kill). */
  storage?: string;
  /** Reuse this port (a restart after a kill). */
  port?: number;
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT`, what image references name. */
  host: string;
  port: number;
  url: string;
  storage: string;
  /** Everything the registry logged (its access log included). */
  log(): string;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Stops it and removes its temporary directory (not a given storage). */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-registry-'));
  const storage = options.storage ?? join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const port = options.port ?? (await freePort());
  const auth = options.auth === true ? `auth:\n  htpasswd:\n    realm: overlay-test\n    path: ${join(dir, 'htpasswd')}\n` : '';
  if (options.auth === true) writeFileSync(join(dir, 'htpasswd'), HTPASSWD);
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  formatter: text',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: overlay-test-secret',
      auth,
    ].join('\n'),
  );
  // The log goes to a file, not a pipe: a test blocked in spawnSync does not drain a pipe, and
  // a registry whose log pipe is full stops answering.
  const logFile = join(dir, `registry-${port}.log`);
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const log = (): string => readFileSync(logFile, 'utf8');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${url}/v2/`);
      await res.arrayBuffer();
      break;
    } catch {
      if (i > 100) throw new Error(`docker-registry did not answer on ${url}:\n${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return {
    host: `127.0.0.1:${port}`,
    port,
    url,
    storage,
    log,
    kill,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CountingProxy {
  /** `127.0.0.1:PORT`, what image references name to go through the proxy. */
  host: string;
  /** Bytes sent to the registry (requests and their bodies) and back, since the last `reset`. */
  sent(): number;
  received(): number;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of a registry's port that counts the bytes each way and
 * passes at most `bytesPerSecond` each way, so a test can stop the registry mid-transfer at a
 * point it chooses and measure what a resumed transfer sends (issue 15, "Faults"). It dials the
 * registry per connection, so it outlives a registry restarted on the same port.
 */
export async function countingProxy(registryPort: number, bytesPerSecond: number): Promise<CountingProxy> {
  let sent = 0;
  let received = 0;
  const sockets = new Set<import('node:net').Socket>();
  const throttled = (from: import('node:net').Socket, to: import('node:net').Socket, count: (n: number) => void): void => {
    const started = Date.now();
    let bytes = 0;
    from.on('data', (chunk: Buffer) => {
      count(chunk.length);
      bytes += chunk.length;
      to.write(chunk);
      const ahead = (bytes / bytesPerSecond) * 1000 - (Date.now() - started);
      if (ahead > 5) {
        from.pause();
        setTimeout(() => from.resume(), ahead);
      }
    });
    from.on('end', () => to.end());
    from.on('error', () => to.destroy());
    from.on('close', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(registryPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    throttled(client, upstream, (n) => (sent += n));
    throttled(upstream, client, (n) => (received += n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    sent: () => sent,
    received: () => received,
    reset() {
      sent = 0;
      received = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
