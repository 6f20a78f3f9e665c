/**
 * `overlay login` asks for what it is not given, as `docker login` does: at a terminal the user
 * name and the password (echo off, src/cli/prompt.ts); off a terminal it never waits for a
 * prompt nobody sees, it says in one line how to give the password.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promptLine } from '../../../src/cli/prompt.js';
import { run } from '../../../src/cli/run.js';
import { captureIo } from './helpers.js';

/** A terminal's input: keys are pushed as data events; raw mode is recorded. */
class FakeTerminal extends EventEmitter {
  readonly modes: boolean[] = [];
  setRawMode(raw: boolean): this {
    this.modes.push(raw);
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  type(keys: string): void {
    this.emit('data', Buffer.from(keys));
  }
}

describe('promptLine', () => {
  it('a secret: raw mode while typing, nothing echoed, Backspace takes back, Enter ends', async () => {
    const input = new FakeTerminal();
    let shown = '';
    const line = promptLine(input, { write: (t) => (shown += t) }, 'Password: ', true);
    input.type('hunter3');
    input.type('\x7f2\r');
    expect(await line).toBe('hunter2');
    expect(shown).toBe('Password: \n');
    expect(input.modes).toEqual([true, false]);
    expect(input.listenerCount('data')).toBe(0);
  });

  it('Ctrl-C interrupts and fails the prompt; a plain line keeps the terminal as it is', async () => {
    const input = new FakeTerminal();
    let interrupted = 0;
    const line = promptLine(input, { write: () => undefined }, 'Password: ', true, () => interrupted++);
    input.type('abc\x03');
    await expect(line).rejects.toThrow(/cancelled/);
    expect(interrupted).toBe(1);
    expect(input.modes).toEqual([true, false]);
    const plain = new FakeTerminal();
    const name = promptLine(plain, { write: () => undefined }, 'Username: ', false);
    plain.type('ada\n');
    expect(await name).toBe('ada');
    expect(plain.modes).toEqual([]);
  });
});

describe('overlay login', () => {
  it('off a terminal, without --password-stdin: one line saying how, exit 2, nothing saved', async () => {
    const config = mkdtempSync(join(tmpdir(), 'overlay-login-'));
    const c = captureIo({ XDG_CONFIG_HOME: config });
    expect(await run(['login', '127.0.0.1:5000', '-u', 'ada'], c.io)).toBe(2);
    expect(c.stderr()).toBe('overlay: login: login needs a password: pipe it to --password-stdin (stdin is not a terminal to ask on; a password is never taken on the command line)\n');
    const d = captureIo({ XDG_CONFIG_HOME: config });
    expect(await run(['login', '127.0.0.1:5000'], d.io)).toBe(2);
    expect(d.stderr().trim().split('\n')).toHaveLength(1);
    expect(() => statSync(join(config, 'overlay', 'auth.json'))).toThrow();
  });

  it('at a terminal: asks for the user name, then the password with echo off, and saves them once the registry takes them', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      if (req.headers.authorization === undefined) res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
      else res.writeHead(200).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const config = mkdtempSync(join(tmpdir(), 'overlay-login-'));
      const c = captureIo({ XDG_CONFIG_HOME: config });
      const asked: [string, boolean][] = [];
      const answers = ['ada', 's3cret'];
      c.io.stdinIsTTY = true;
      c.io.prompt = async (text, secret) => {
        asked.push([text, secret]);
        return answers.shift()!;
      };
      expect(await run(['login', `127.0.0.1:${port}`, '--plain-http'], c.io)).toBe(0);
      expect(asked).toEqual([
        ['Username: ', false],
        ['Password: ', true],
      ]);
      expect(seen.at(-1)).toBe(`Basic ${Buffer.from('ada:s3cret').toString('base64')}`);
      expect(c.stdout()).toContain('Login Succeeded');
      expect(c.stdout() + c.stderr()).not.toContain('s3cret');
      expect(readFileSync(join(config, 'overlay', 'auth.json'), 'utf8')).toContain(Buffer.from('ada:s3cret').toString('base64'));
    } finally {
      server.close();
    }
  });
});
