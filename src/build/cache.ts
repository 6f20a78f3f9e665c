/**
 * Step keys and miss explanations (issue 12, "The cache: BuildKit's model, and every step
 * explained"). A step's key is the parent step's key plus the step's own definition; the
 * definition is kept in the cache entry, so a miss can be explained by comparing it with the
 * closest entry that has the same parent.
 */
import { sha256Digest } from '../digest/index.js';
import { canonicalJson, encodeText } from '../image/index.js';
import type { BuildCacheDocument, BuildCacheEntry } from '../store/index.js';
import type { FileRecord } from './context.js';

/** What a step's key covers. Metadata steps have none. */
export interface StepDefinition {
  kind: 'RUN' | 'COPY' | 'ADD' | 'WORKDIR';
  /** The instruction's arguments as written (for messages only, not in the key). */
  label: string;
  /** RUN: the command after shell wrapping, as a JSON array. */
  command?: string[];
  /** RUN: every ENV, and every ARG in scope that has a value. */
  env?: Record<string, string>;
  args?: Record<string, string>;
  workdir?: string;
  user?: string;
  /** COPY/ADD: the flags and the destination, resolved. */
  flags?: Record<string, string>;
  dest?: string;
  /** COPY/ADD: each matched source and its content key, in order. */
  sources?: [path: string, key: string][];
  /** COPY/ADD: each copied file's record (for explanations; not in the key, the content keys cover it). */
  files?: Record<string, FileRecord>;
}

export interface CachedStep extends BuildCacheEntry {
  parent: string;
  definition: StepDefinition;
  /** Simulated milliseconds the step's commands declared. */
  simulatedMs: number;
  /**
   * What the step took when it ran, in milliseconds (what a hit saves): its commands' simulated
   * time when they declared any, else the time measured running it (executing, committing and
   * storing its layer). Kept out of the key (`stepKey` covers `definition` only), so it never
   * changes a key or a digest. Absent in entries of older versions.
   */
  durationMs?: number;
  /** Bytes of file data of the step's layer. */
  bytes: number;
}

/** What a hit on this entry saves: what the step took when it ran (see `CachedStep.durationMs`). */
export function savedMs(step: CachedStep): number {
  return step.durationMs ?? step.simulatedMs;
}

/** The key of a base: `FROM` is the ChainID of the base image's layers. */
export function fromKey(chain: string | undefined): string {
  return sha256Digest(encodeText(`FROM ${chain ?? 'scratch'}`));
}

export function stepKey(parent: string, def: StepDefinition): string {
  const { label: _label, files: _files, ...keyed } = def;
  return sha256Digest(encodeText(canonicalJson({ parent, step: keyed })));
}

export function lookup(doc: BuildCacheDocument, key: string): CachedStep | undefined {
  const entry = doc.entries[key];
  return entry !== undefined && typeof entry['parent'] === 'string' && entry['definition'] !== undefined ? (entry as CachedStep) : undefined;
}

/** Why a step missed: the first difference from the closest cached step with the same parent. */
export function explainMiss(doc: BuildCacheDocument, parent: string, def: StepDefinition): string {
  const siblings = Object.values(doc.entries).filter((e): e is CachedStep => e['parent'] === parent && (e as CachedStep).definition?.kind === def.kind);
  const head = def.kind === 'RUN' ? 'RUN' : `${def.kind} ${def.label}`;
  if (siblings.length === 0) return `${head}: no cached ${def.kind} step after the previous step`;
  let best: { reasons: string[]; step: CachedStep } | undefined;
  for (const s of siblings) {
    const reasons = differences(s.definition, def);
    if (best === undefined || reasons.length < best.reasons.length) best = { reasons, step: s };
  }
  const reasons = best!.reasons;
  // Another COPY altogether: its files are no explanation; the instruction is.
  if (def.kind !== 'RUN' && best!.step.definition.label !== def.label) return `${head}: instruction changed (the cached step after the previous one is ${def.kind} ${best!.step.definition.label})`;
  if (reasons.length === 0) return `${head}: cached layer is no longer in the store`;
  return `${head}: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? `; and ${reasons.length - 3} more` : ''}`;
}

function differences(old: StepDefinition, now: StepDefinition): string[] {
  const out: string[] = [];
  if (JSON.stringify(old.command) !== JSON.stringify(now.command)) out.push(`command changed ${shown(old.command?.at(-1))} -> ${shown(now.command?.at(-1))}`);
  mapDiff('ARG', old.args, now.args, out);
  mapDiff('ENV', old.env, now.env, out);
  if (old.workdir !== now.workdir) out.push(`WORKDIR changed ${shown(old.workdir)} -> ${shown(now.workdir)}`);
  if (old.user !== now.user) out.push(`USER changed ${shown(old.user)} -> ${shown(now.user)}`);
  if (JSON.stringify(old.flags) !== JSON.stringify(now.flags)) out.push(`flags changed ${flagText(old.flags)} -> ${flagText(now.flags)}`);
  if (old.dest !== now.dest) out.push(`destination changed ${shown(old.dest)} -> ${shown(now.dest)}`);
  if (JSON.stringify(old.sources) !== JSON.stringify(now.sources)) {
    const before = old.files ?? {};
    const after = now.files ?? {};
    const files: string[] = [];
    for (const path of Object.keys(after).sort()) {
      const was = before[path];
      if (was === undefined) files.push(`${path} added`);
      else if (was !== after[path]) files.push(`${path} changed (${fileChange(was, after[path]!)})`);
    }
    for (const path of Object.keys(before).sort()) if (after[path] === undefined) files.push(`${path} removed`);
    out.push(...(files.length > 0 ? files : ['sources changed']));
  }
  return out;
}

/** Which part of a file record changed (see SourceTree.records: kind, mode, owner, size, data, target). */
function fileChange(was: string, now: string): string {
  const a = was.split(' ');
  const b = now.split(' ');
  const names = ['type', 'mode', 'owner', 'content', 'content', 'link target'];
  const changed = names.filter((_, i) => a[i] !== b[i]);
  return [...new Set(changed)].join(', ');
}

function mapDiff(what: string, old: Record<string, string> | undefined, now: Record<string, string> | undefined, out: string[]): void {
  const a = old ?? {};
  const b = now ?? {};
  for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (a[name] === b[name]) continue;
    if (a[name] === undefined) out.push(`${what} ${name} added (${shown(b[name])})`);
    else if (b[name] === undefined) out.push(`${what} ${name} removed (was ${shown(a[name])})`);
    else out.push(`${what} ${name} changed ${a[name]} -> ${b[name]}`);
  }
}

function flagText(flags: Record<string, string> | undefined): string {
  const parts = Object.entries(flags ?? {}).map(([k, v]) => `--${k}=${v}`);
  return parts.length === 0 ? '(none)' : parts.join(' ');
}

function shown(value: string | undefined): string {
  if (value === undefined) return '(none)';
  return value.length > 40 ? JSON.stringify(`${value.slice(0, 37)}...`) : JSON.stringify(value);
}
