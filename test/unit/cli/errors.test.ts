import { describe, expect, it } from 'vitest';
import { UsageError, describeError, exitCodeOf } from '../../../src/cli/errors.js';
import { DomainError, FsError } from '../../../src/errors/index.js';

describe('one-line errors', () => {
  it('names the path and the reason of file errors', () => {
    expect(describeError('cat', new FsError('ENOENT', 'open', '/etc/shadow'))).toBe('cat /etc/shadow: no such file or directory');
    expect(describeError('mv', new FsError('EXDEV', 'rename', '/a', '/b'))).toBe('mv /a -> /b: cross-device link not permitted');
    const node = Object.assign(new Error("EACCES: permission denied, open '/root/x'"), { code: 'EACCES', path: '/root/x' });
    expect(describeError('import', node)).toBe('import /root/x: permission denied');
  });

  it('gives the message of domain and usage errors', () => {
    expect(describeError('create', new DomainError('NotFoundError', 'no such image: x:latest'))).toBe('create: no such image: x:latest');
    expect(exitCodeOf(new UsageError('bad'))).toBe(2);
    expect(exitCodeOf(new DomainError('NotFoundError', 'x'))).toBe(1);
  });
});
