/**
 * One long-lived python3 process for what Node's fs cannot do (mknod for whiteouts, the
 * `trusted.overlay.*` xattrs), spoken to in JSON lines (see fshelper.py).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./fshelper.py', import.meta.url));

/** One item of a layer directory to create, in creation order (parents first). */
export interface MaterializeItem {
  p: string;
  k: 'dir' | 'file' | 'symlink' | 'link' | 'whiteout';
  m?: number;
  u?: number;
  g?: number;
  /** mtime, seconds */
  t?: number;
  /** content, base64 */
  c?: string;
  tg?: string;
  o?: boolean;
  l?: string;
}

/** One object of a scanned directory (the kernel's upper dir). */
export interface ScannedEntry {
  p: string;
  k: 'dir' | 'file' | 'symlink' | 'chr' | 'other';
  m: number;
  u: number;
  g: number;
  ino: number;
  nlink: number;
  size: number;
  /** `trusted.overlay.*` xattrs (values as latin-1 text). */
  x: Record<string, string>;
  rdev?: [number, number];
  tg?: string;
}

interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  entries?: ScannedEntry[];
}

export class PythonHelper {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #exited: Error | undefined;

  constructor() {
    // stderr is inherited: the watchdog's hang report must get out while Node is stuck.
    this.#child = spawn('python3', ['-u', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    const stderr = '(see stderr)';
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as Reply;
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    const fail = (error: Error): void => {
      this.#exited = error;
      for (const w of this.#pending.values()) w.reject(error);
      this.#pending.clear();
    };
    this.#child.on('error', fail);
    this.#child.on('exit', (code) => fail(new Error(`python helper exited (${code}): ${stderr}`)));
  }

  async #call(request: Record<string, unknown>): Promise<Reply> {
    if (this.#exited) throw this.#exited;
    const id = this.#nextId++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.stdin.write(JSON.stringify({ ...request, id }) + '\n');
    });
    if (!reply.ok) throw new Error(`python helper ${String(request['cmd'])} failed: ${reply.error}`);
    return reply;
  }

  async ping(): Promise<void> {
    await this.#call({ cmd: 'ping' });
  }

  async materialize(dir: string, items: readonly MaterializeItem[]): Promise<void> {
    await this.#call({ cmd: 'materialize', dir, items });
  }

  /** Starts the watchdog: kills this process unless `disarm` comes within `seconds`. */
  async arm(seconds: number, stateFile: string): Promise<void> {
    await this.#call({ cmd: 'arm', seconds, state: stateFile });
  }

  async disarm(): Promise<void> {
    await this.#call({ cmd: 'disarm' });
  }

  async scan(dir: string): Promise<ScannedEntry[]> {
    return (await this.#call({ cmd: 'scan', dir })).entries ?? [];
  }

  close(): void {
    this.#child.stdin.end();
    this.#child.kill();
  }
}
