import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdirDurable, namingPath, syncDir } from '../../../src/host/atomic.js';
import { writeChunksAtomic } from '../../../src/host/chunkedFiles.js';
import { writeFileAtomic } from '../../../src/host/index.js';

describe('writeFileAtomic', () => {
  it('writes through a temporary file and leaves none behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-atomic-'));
    const tmp = join(dir, 'tmp');
    const target = join(dir, 'sub', 'file');
    writeFileAtomic(target, new TextEncoder().encode('one'), tmp);
    writeFileAtomic(target, [new Uint8Array([116, 119]), new Uint8Array([111])], tmp);
    expect(readFileSync(target, 'utf8')).toBe('two');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('keeps the old file when writing fails midway', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-atomic-'));
    const target = join(dir, 'file');
    writeFileAtomic(target, new TextEncoder().encode('old'), dir);
    function* failing(): Iterable<Uint8Array> {
      yield new TextEncoder().encode('ne');
      throw new Error('disk on fire');
    }
    expect(() => writeFileAtomic(target, failing(), join(dir, 'tmp'))).toThrow('disk on fire');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(existsSync(join(dir, 'tmp')) ? readdirSync(join(dir, 'tmp')) : []).toEqual([]);
  });
});

describe('durable directories, named errors and leftovers', () => {
  it('syncDir reports a failure naming the directory instead of swallowing it', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'overlay-atomic-')), 'gone');
    expect(() => syncDir(dir)).toThrow(expect.objectContaining({ code: 'ENOENT', path: dir }));
  });

  it('mkdirDurable makes every missing directory (and is a no-op when they exist)', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'overlay-atomic-')), 'a', 'b', 'c');
    mkdirDurable(dir);
    mkdirDurable(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('a system error without a path (a write on a full disk) is given the file it was for', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(namingPath(full, '/store/blobs/sha256')).toMatchObject({ code: 'ENOSPC', path: '/store/blobs/sha256' });
    const named = Object.assign(new Error('x'), { code: 'ENOENT', path: '/a' });
    expect(namingPath(named, '/b')).toMatchObject({ path: '/a' });
  });

  it('writeChunksAtomic removes the temporary files of dead processes beside its target, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-atomic-'));
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    const dead = `out.tar.${child.pid}.0123456789ab.tmp`;
    const live = `out.tar.${process.ppid}.0123456789ab.tmp`;
    const other = `other.tar.${child.pid}.0123456789ab.tmp`;
    for (const name of [dead, live, other]) writeFileSync(join(dir, name), 'partial');
    await writeChunksAtomic(join(dir, 'out.tar'), [new TextEncoder().encode('whole')], dir);
    expect(readdirSync(dir).sort()).toEqual(['other.tar.' + child.pid + '.0123456789ab.tmp', 'out.tar', live].sort());
  });
});
