import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeSource } from '../../app/index.js';
import { CI_KEYS, ciRules, evaluateRules, parseDiveCi, type Analysis, type CiRuleValues } from '../../analysis/index.js';
import type { Context } from '../context.js';
import { formatBytes, table as drawTable, truncate } from '../render/format.js';
import type { CommandSpec } from './common.js';
import { targetLayers } from './targets.js';

const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(2)} %` : 'n/a');

function report(a: Analysis, label: string, sort: string, limit: number): string {
  const table = (headers: readonly string[], rows: readonly (readonly string[])[]): string => drawTable(headers, rows).trimEnd();
  const out: string[] = [`${label}: ${a.layers.length} layer${a.layers.length === 1 ? '' : 's'}`, ''];
  out.push(
    table(
      ['LAYER', 'SIZE', 'ADDED', 'CHANGED', 'DELETED', 'OPAQUE', 'CREATED BY'],
      a.layers.map((l) => [`${l.index}${l.base ? ' base' : ''}`, formatBytes(l.bytes), String(l.added), String(l.changed), String(l.deleted), String(l.opaque), truncate(l.createdBy, 60)]),
    ),
  );
  const where = a.base.source === 'history' ? `the FROM image, ending at history step ${a.base.step}: ${a.base.line}` : 'the first layer (the history marks no FROM image)';
  out.push('', `Total size:  ${formatBytes(a.totalBytes)}`, `Base:        ${formatBytes(a.base.bytes)} in ${a.base.count} layer${a.base.count === 1 ? '' : 's'}, ${where}`, `User layers: ${formatBytes(a.userBytes)}`, '');
  out.push(
    table(
      ['', 'DIVE', 'CORRECTED'],
      [
        ['efficiency', pct(a.dive.efficiency), pct(a.corrected.efficiency)],
        ['wastedBytes', `${a.dive.wastedBytes} bytes`, `${a.corrected.wastedBytes} bytes`],
        ['userWastedPercent', pct(a.dive.userWastedPercent), pct(a.corrected.userWastedPercent)],
      ],
    ),
  );
  const byPath = (x: { path: string }, y: { path: string }): number => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
  const corrected = [...a.corrected.inefficiencies].sort(sort === 'path' ? byPath : () => 0).slice(0, limit);
  out.push('', 'Largest inefficiencies (corrected):');
  if (corrected.length === 0) out.push('  (none)');
  else out.push(table(['COUNT', 'WASTED', 'PATH', 'WHY'], corrected.map((i) => [String(i.files), formatBytes(i.wastedBytes), i.path, i.why])));
  const dive = [...a.dive.inefficiencies].sort(sort === 'path' ? byPath : () => 0).slice(0, limit);
  out.push('', "Dive's inefficient files:");
  if (dive.length === 0) out.push('  (none)');
  else out.push(table(['COUNT', 'WASTED SPACE', 'FILE PATH'], dive.map((i) => [String(i.count), formatBytes(i.cumulativeBytes), i.path])));
  return out.join('\n');
}

/** The rules: the .dive-ci file (when it exists, or is named), then flags over it. */
function ruleValues(ctx: Context): CiRuleValues {
  const named = ctx.optStr('ci-config');
  const file = resolve(ctx.io.cwd, named ?? '.dive-ci');
  let values: CiRuleValues = {};
  if (existsSync(file)) values = parseDiveCi(readFileSync(file, 'utf8'), named ?? '.dive-ci');
  else if (named !== undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${named}'`), { code: 'ENOENT', path: named });
  for (const key of CI_KEYS) {
    const flag = ctx.optStr(key);
    if (flag !== undefined) values = { ...values, [key]: flag };
  }
  return values;
}

export const analyzeCommand: CommandSpec = {
  command: 'analyze <target>',
  describe: "What each layer adds, changes and deletes, and the bytes wasted: dive's numbers and the corrected ones, each waste explained",
  builder: (y) =>
    y
      .positional('target', { type: 'string', describe: 'image, container, docker-save archive, or OCI layout (directory or tar); any of them @N' })
      .option('sort', { choices: ['size', 'path'], default: 'size', describe: 'order of the inefficiency tables' })
      .option('limit', { type: 'number', default: 20, describe: 'rows of each inefficiency table' })
      .option('image', { type: 'string', describe: 'the image to analyze in an archive holding several' })
      .option('base', { type: 'number', describe: 'count layers 0..N-1 as the base, whatever the history says' })
      .option('ci', { type: 'boolean', describe: "apply dive's CI rules (.dive-ci, or flags); exit 1 on a failure" })
      .option('ci-config', { type: 'string', describe: 'the rules file (default ./.dive-ci when present)' })
      .option('lowestEfficiency', { type: 'string', describe: 'rule: lowest efficiency (0-1; default 0.9)' })
      .option('highestWastedBytes', { type: 'string', describe: 'rule: most wasted bytes (20MB; default disabled)' })
      .option('highestUserWastedPercent', { type: 'string', describe: 'rule: highest wasted ratio of user bytes (0-1; default 0.1)' })
      .option('corrected', { type: 'boolean', describe: 'apply the rules to the corrected numbers instead of dive’s' }),
  examples: [
    ['overlay analyze app:1.1', 'layers, sizes, waste and its causes'],
    ['overlay analyze app.tar --ci', 'a docker save archive against ./.dive-ci'],
  ],
  async run(ctx) {
    const target = ctx.str('target');
    // Rules are read first: a bad .dive-ci fails before any work.
    const rules = ctx.flag('ci') ? ciRules(ruleValues(ctx)) : undefined;
    const source = await targetLayers(ctx, target, { columns: true });
    const base = ctx.args['base'];
    const analysis = analyzeSource(source, typeof base === 'number' ? { baseCount: base } : {});
    const metrics = ctx.flag('corrected') ? analysis.corrected : analysis.dive;
    const evaluation = rules === undefined ? undefined : evaluateRules(rules, metrics);
    if (ctx.json) {
      const { effects: _effects, ...rest } = analysis;
      ctx.printJson({ target: source.label, ...rest, ...(evaluation === undefined ? {} : { ci: { corrected: ctx.flag('corrected'), ...evaluation } }) });
      return evaluation === undefined || evaluation.pass ? 0 : 1;
    }
    ctx.out(report(analysis, source.label, ctx.optStr('sort') ?? 'size', Number(ctx.args['limit'] ?? 20)));
    if (evaluation === undefined) return 0;
    const tally = (s: string): number => evaluation.results.filter((r) => r.status === s).length;
    const lines = evaluation.results.map((r) => `  ${r.status}  ${r.key} (${r.message})`);
    const parts = [['pass', tally('PASS')], ['fail', tally('FAIL')], ['skip', tally('SKIP')]].filter(([, n]) => n !== 0).map(([k, n]) => `${k}:${n}`);
    ctx.out(['', `Evaluation (${ctx.flag('corrected') ? 'corrected' : "dive's"} numbers):`, ...lines, '', `${evaluation.pass ? 'PASS' : 'FAIL'} [${parts.join(' ')}]`].join('\n'));
    return evaluation.pass ? 0 : 1;
  },
};
