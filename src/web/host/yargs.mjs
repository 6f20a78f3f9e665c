/**
 * yargs for the page: yargs's own factory with a browser platform shim, so the page parses
 * command lines with the CLI's yargs definitions and prints the same messages. Mirrors
 * yargs/lib/platform-shims/esm.mjs (the Node shim), without the filesystem; the English
 * messages come from yargs/locales/en.json through the same lookup y18n does
 * (y18n/build/lib/index.js, __ and __n). yargs's own browser.mjs loads its parser from a CDN,
 * which a page that uploads nothing must not do.
 */
import { YargsFactory } from 'yargs-internal/build/lib/yargs-factory.js';
import { getProcessArgvBin } from 'yargs-internal/build/lib/utils/process-argv.js';
import { YError } from 'yargs-internal/build/lib/yerror.js';
import en from 'yargs-internal/locales/en.json';
import cliui from 'cliui';
import Parser from 'yargs-parser/browser';
import stringWidth from 'string-width';

/** util.format for the %s and %d the messages use. */
function format(text, ...args) {
  let i = 0;
  const out = String(text).replace(/%[sdj%]/g, (m) => {
    if (m === '%%') return '%';
    if (i >= args.length) return m;
    const value = args[i++];
    return m === '%d' ? String(Number(value)) : m === '%j' ? JSON.stringify(value) : String(value);
  });
  return [out, ...args.slice(i).map(String)].join(' ');
}

const y18n = {
  __: (str, ...args) => format(en[str] ?? str, ...args),
  __n: (singular, plural, quantity, ...args) => {
    const entry = en[singular];
    const str = entry !== undefined ? entry[quantity === 1 ? 'one' : 'other'] : quantity === 1 ? singular : plural;
    return str.includes('%d') ? format(str, quantity, ...args) : format(str, ...args);
  },
  getLocale: () => 'en',
  setLocale: () => {},
  updateLocale: () => {},
};

const path = {
  basename: (p) => p.slice(p.lastIndexOf('/') + 1),
  dirname: (p) => (p.lastIndexOf('/') <= 0 ? '/' : p.slice(0, p.lastIndexOf('/'))),
  extname: (p) => (/\.[^./]*$/.exec(p) ?? [''])[0],
  relative: (_from, to) => to,
  resolve: (...parts) => parts.join('/'),
  join: (...parts) => parts.join('/'),
};

const shim = {
  assert: { notStrictEqual: () => {}, strictEqual: () => {} },
  cliui,
  findUp: () => undefined,
  getEnv: () => undefined,
  inspect: (value) => JSON.stringify(value),
  getCallerFile: () => {
    throw new YError('loading a directory of commands is not supported in a browser');
  },
  getProcessArgvBin,
  mainFilename: 'overlay',
  Parser,
  path,
  process: {
    argv: () => [],
    cwd: () => '/',
    emitWarning: () => {},
    execPath: () => 'overlay',
    exit: () => {},
    nextTick: (cb) => queueMicrotask(cb),
    stdColumns: null,
  },
  readFileSync: () => '',
  readdirSync: () => [],
  require: () => {
    throw new YError('require is not supported in a browser');
  },
  requireDirectory: () => {
    throw new YError('loading a directory of commands is not supported in a browser');
  },
  stringWidth,
  y18n,
};

export default YargsFactory(shim);
