#!/usr/bin/env python3
"""Filesystem work Node cannot do (mknod, setxattr, getxattr), for the conformance harness.

One long-lived process; requests and replies are JSON lines on stdin/stdout:
  {"id": 1, "cmd": "materialize", "dir": "/x/L0", "items": [...]}  -> {"id": 1, "ok": true}
  {"id": 2, "cmd": "scan", "dir": "/x/upper"}                       -> {"id": 2, "ok": true, "entries": [...]}
  {"id": 3, "cmd": "ping"}                                           -> {"id": 3, "ok": true}
  {"id": 4, "cmd": "arm", "seconds": 60, "state": "/x/state.json"}   -> {"id": 4, "ok": true}
  {"id": 5, "cmd": "disarm"}                                         -> {"id": 5, "ok": true}

"arm" is a watchdog for one scenario: the ops run synchronously in the Node process, so a
hang there (an endless loop in the emulator, or in libuv on the kernel mount) would block the
test run with no word of which scenario hung. If "disarm" does not come in time, the helper
prints the state file (the scenario and the op in progress, written by the harness) to stderr
and to <state>.hang, and kills the Node process, so that the test file fails at once.
Errors come back as {"id": n, "ok": false, "error": "..."}.
"""
import base64
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import traceback

_timer = None


def on_hang(seconds, state):
    try:
        with open(state) as f:
            text = f.read()
    except OSError as e:
        text = '(no state file: %s)' % e
    report = '\n!!! conformance scenario still running after %ss; killing the test process %d\n%s\n' % (
        seconds, os.getppid(), text)
    try:
        with open(state + '.hang', 'w') as f:
            f.write(report)
    except OSError:
        pass
    sys.stderr.write(report)
    sys.stderr.flush()
    os.kill(os.getppid(), signal.SIGKILL)
    # The killed process cannot unmount its overlay and tmpfs any more: do it here.
    if state.endswith('.state'):
        base = state[:-len('.state')]
        for target in (os.path.join(base, 'm'), base):
            subprocess.run(['umount', '-l', target], stderr=subprocess.DEVNULL)
    os._exit(1)


def arm(seconds, state):
    global _timer
    disarm()
    _timer = threading.Timer(seconds, on_hang, (seconds, state))
    _timer.daemon = True
    _timer.start()


def disarm():
    global _timer
    if _timer is not None:
        _timer.cancel()
        _timer = None


def materialize(root, items):
    """Creates a layer directory in the kernel's format.

    items: sorted by path (parents first); each {p, k, m, u, g, t, c?, tg?, o?, l?} with k in
    dir | file | symlink | link | whiteout; t = mtime in seconds (float); c = base64 content;
    tg = symlink target; o = opaque dir; l = path this hard link shares an inode with.
    Directory attributes are applied last, deepest first, so creating children does not
    disturb their mtimes.
    """
    os.makedirs(root, exist_ok=True)
    dirs = []
    for it in items:
        path = os.path.join(root, it['p'].lstrip('/')) if it['p'] != '/' else root
        kind = it['k']
        t = it.get('t', 0)
        if kind == 'dir':
            if path != root:
                os.mkdir(path)
            if it.get('o'):
                # overlayfs.rst "whiteouts and opaque directories"
                os.setxattr(path, 'trusted.overlay.opaque', b'y')
            dirs.append((path, it))
        elif kind == 'file':
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, base64.b64decode(it.get('c', '')))
                os.fchown(fd, it['u'], it['g'])
                os.fchmod(fd, it['m'])
            finally:
                os.close(fd)
            os.utime(path, (t, t))
        elif kind == 'symlink':
            os.symlink(it['tg'], path)
            os.lchown(path, it['u'], it['g'])
            os.utime(path, (t, t), follow_symlinks=False)
        elif kind == 'link':
            src = os.path.join(root, it['l'].lstrip('/'))
            os.link(src, path, follow_symlinks=False)
        elif kind == 'whiteout':
            # overlayfs.rst: a whiteout is a character device with 0/0 device number.
            os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
            os.utime(path, (t, t), follow_symlinks=False)
        else:
            raise ValueError('unknown kind ' + kind)
    for path, it in reversed(dirs):
        os.chown(path, it['u'], it['g'])
        os.chmod(path, it['m'])
        t = it.get('t', 0)
        os.utime(path, (t, t))


def xattrs(path):
    out = {}
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return out
    for name in names:
        if not name.startswith('trusted.overlay.') and not name.startswith('user.overlay.'):
            continue
        try:
            value = os.getxattr(path, name, follow_symlinks=False)
        except OSError:
            continue
        out[name] = value.decode('latin-1')
    return out


def scan(root):
    """Every object below root (root itself as '/'), not following symlinks."""
    entries = []

    def visit(rel, path):
        st = os.lstat(path)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            kind = 'dir'
        elif stat.S_ISREG(mode):
            kind = 'file'
        elif stat.S_ISLNK(mode):
            kind = 'symlink'
        elif stat.S_ISCHR(mode):
            kind = 'chr'
        else:
            kind = 'other'
        entry = {
            'p': rel, 'k': kind, 'm': stat.S_IMODE(mode), 'u': st.st_uid, 'g': st.st_gid,
            'ino': st.st_ino, 'nlink': st.st_nlink, 'size': st.st_size, 'x': xattrs(path),
        }
        if kind == 'chr':
            entry['rdev'] = [os.major(st.st_rdev), os.minor(st.st_rdev)]
        if kind == 'symlink':
            entry['tg'] = os.readlink(path)
        entries.append(entry)
        if kind == 'dir':
            for name in sorted(os.listdir(path)):
                visit((rel.rstrip('/') + '/' + name), os.path.join(path, name))

    visit('/', root)
    return entries


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        rid = req.get('id')
        try:
            cmd = req['cmd']
            if cmd == 'ping':
                reply = {'id': rid, 'ok': True}
            elif cmd == 'materialize':
                materialize(req['dir'], req['items'])
                reply = {'id': rid, 'ok': True}
            elif cmd == 'arm':
                arm(req['seconds'], req['state'])
                reply = {'id': rid, 'ok': True}
            elif cmd == 'disarm':
                disarm()
                reply = {'id': rid, 'ok': True}
            elif cmd == 'scan':
                reply = {'id': rid, 'ok': True, 'entries': scan(req['dir'])}
            else:
                raise ValueError('unknown command ' + cmd)
        except Exception as e:  # noqa: BLE001 - reported to the caller
            reply = {'id': rid, 'ok': False, 'error': '%s: %s\n%s' % (type(e).__name__, e, traceback.format_exc())}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
