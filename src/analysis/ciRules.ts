/**
 * Dive's CI gate, so that an existing `.dive-ci` works unchanged: the same keys, defaults,
 * value syntax and strict comparisons (dive cmd/dive/cli/internal/command/ci/rules.go,
 * cmd/dive/cli/internal/options/ci.go and ci_rules.go):
 *
 * - `rules:` with `lowestEfficiency` (default 0.9), `highestWastedBytes` (default disabled)
 *   and `highestUserWastedPercent` (default 0.1); other keys are ignored, as yaml.v3 ignores them;
 * - a value `disabled`, `off`, `false` or empty turns a rule off (SKIP);
 * - efficiency fails when threshold > efficiency; wasted bytes when wasted > threshold; the
 *   user-wasted ratio when ratio > threshold (a threshold met exactly passes);
 * - byte sizes as go-humanize's `ParseBytes` reads them: `20MB` is 20,000,000, `20MiB`
 *   20,971,520, case-insensitive, `Mb` = `MB`.
 *
 * The file is read as the small YAML subset these files use: `key: value` lines, nesting by
 * indentation, comments, `---`, lists (skipped). Anything else is one error naming the line.
 */
import { DomainError } from '../errors/index.js';

export const CI_KEYS = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'] as const;
export type CiKey = (typeof CI_KEYS)[number];

/** The rules' values as written (strings, as dive keeps them). */
export type CiRuleValues = Partial<Record<CiKey, string>>;

export const CI_DEFAULTS: Readonly<Record<CiKey, string>> = { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' };

function bad(message: string, data: Record<string, unknown> = {}): DomainError {
  return new DomainError('InvalidArgumentError', message, data);
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  return v;
}

/** The `rules:` of a `.dive-ci` file (see the module comment); `name` is for messages. */
export function parseDiveCi(text: string, name = '.dive-ci'): CiRuleValues {
  const out: CiRuleValues = {};
  const stack: { indent: number; key: string }[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${name}, line ${i + 1}`;
    const line = raw.replace(/(^|\s)#.*$/, '');
    if (line.trim() === '' || /^(---|\.\.\.)\s*$/.test(line)) return;
    if (/^\s*\t/.test(raw)) throw bad(`${where}: a tab in the indentation (YAML indents with spaces)`, { file: name, line: i + 1 });
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    if (body.startsWith('- ') || body === '-') return;
    const match = /^("[^"]*"|'[^']*'|[^:'"]+?)\s*:(?:\s+(.*))?$/.exec(body);
    if (match === null) throw bad(`${where}: expected "key: value", got ${JSON.stringify(body)}`, { file: name, line: i + 1 });
    const key = unquote(match[1]!);
    const value = match[2];
    if (value === undefined || value.trim() === '') {
      stack.push({ indent, key });
      return;
    }
    if (/^[[{]/.test(value.trim()) && !/^(\[.*\]|\{.*\})$/.test(value.trim())) throw bad(`${where}: an unclosed flow value ${JSON.stringify(value.trim())}`, { file: name, line: i + 1 });
    const parents = stack.map((s) => s.key);
    if (parents.length === 1 && parents[0] === 'rules' && (CI_KEYS as readonly string[]).includes(key)) out[key as CiKey] = unquote(value);
  });
  return out;
}

export type RuleStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface CiRule {
  key: CiKey;
  /** The value as given, or `disabled`. */
  configuration: string;
  threshold?: number;
}

export interface RuleResult {
  key: CiKey;
  status: RuleStatus;
  message: string;
}

function disabled(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || v === 'disabled' || v === 'off' || v === 'false';
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, ki: 2 ** 10, kib: 2 ** 10,
  m: 1e6, mb: 1e6, mi: 2 ** 20, mib: 2 ** 20,
  g: 1e9, gb: 1e9, gi: 2 ** 30, gib: 2 ** 30,
  t: 1e12, tb: 1e12, ti: 2 ** 40, tib: 2 ** 40,
  p: 1e15, pb: 1e15, pi: 2 ** 50, pib: 2 ** 50,
  e: 1e18, eb: 1e18, ei: 2 ** 60, eib: 2 ** 60,
};

/** A byte size as go-humanize `ParseBytes` reads it (`20Mb`, `1.5 GiB`, `1,000`); undefined when it cannot. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*([\d.,]+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (match === null) return undefined;
  const number = Number(match[1]!.replace(/,/g, ''));
  const unit = BYTE_UNITS[match[2]!.toLowerCase()];
  if (Number.isNaN(number) || unit === undefined) return undefined;
  return Math.floor(number * unit);
}

function ratio(key: CiKey, value: string): number {
  const threshold = Number(value.trim());
  if (value.trim() === '' || Number.isNaN(threshold)) throw bad(`invalid ${key} config value, given ${JSON.stringify(value)}: not a number`, { key, value });
  if (threshold < 0 || threshold > 1) throw bad(`${key} config value is outside allowed range (0-1), given '${threshold}'`, { key, value });
  return threshold;
}

/** The three rules from these values, dive's defaults for the others; a bad value is an error. */
export function ciRules(values: CiRuleValues = {}): CiRule[] {
  return CI_KEYS.map((key) => {
    const configuration = values[key] ?? CI_DEFAULTS[key];
    if (disabled(configuration)) return { key, configuration: 'disabled' };
    if (key === 'highestWastedBytes') {
      const threshold = parseByteSize(configuration);
      if (threshold === undefined) throw bad(`invalid highestWastedBytes config value, given ${JSON.stringify(configuration)}: not a size like 20MB`, { key, value: configuration });
      return { key, configuration, threshold };
    }
    return { key, configuration, threshold: ratio(key, configuration) };
  });
}

/** The numbers the rules read. */
export interface CiMetrics {
  efficiency: number;
  wastedBytes: number;
  userWastedPercent: number;
}

const f2 = (n: number): string => n.toFixed(2);

/** Each rule's result, sorted by name as dive prints them. */
export function evaluateRules(rules: readonly CiRule[], m: CiMetrics): { results: RuleResult[]; pass: boolean } {
  const results = rules.map((rule): RuleResult => {
    const t = rule.threshold;
    if (t === undefined) return { key: rule.key, status: 'SKIP', message: 'disabled' };
    switch (rule.key) {
      case 'lowestEfficiency':
        return t > m.efficiency ? { key: rule.key, status: 'FAIL', message: `image efficiency is too low (efficiency=${f2(m.efficiency)} < threshold=${t})` } : { key: rule.key, status: 'PASS', message: rule.configuration };
      case 'highestWastedBytes':
        return m.wastedBytes > t ? { key: rule.key, status: 'FAIL', message: `too many bytes wasted (wasted-bytes=${m.wastedBytes} > threshold=${t})` } : { key: rule.key, status: 'PASS', message: rule.configuration };
      case 'highestUserWastedPercent':
        return m.userWastedPercent > t
          ? { key: rule.key, status: 'FAIL', message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${f2(m.userWastedPercent)} > threshold=${t})` }
          : { key: rule.key, status: 'PASS', message: rule.configuration };
    }
  });
  results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { results, pass: results.every((r) => r.status !== 'FAIL') };
}
