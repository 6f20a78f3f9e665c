/**
 * What a stage carries from step to step: its layers and history, its runtime config (what
 * ENV, WORKDIR, USER, CMD, ... set, as OCI config.md `config`), the ARGs in scope, and its
 * cache key. Metadata instructions change only this (issue 12: "Metadata steps have no key").
 */
import type { HistoryEntry, ImageConfig } from '../image/index.js';
import type { Layer } from '../layer/index.js';
import { BuildError } from './errors.js';
import type { Instruction, StageDefinition } from './parse.js';
import { expand } from './variables.js';

export interface StageState {
  def: StageDefinition;
  /** `[name k/N]` in progress lines: the stage's name, `stage-i` in a multi-stage file, else nothing. */
  label: string;
  layers: Layer[];
  diffIds: string[];
  /** The base image's layer count: `--squash` joins what comes after. */
  baseLayers: number;
  /** The base's history entries: `--squash` marks those after them empty. */
  baseHistory: number;
  history: HistoryEntry[];
  base: ImageConfig | undefined;
  runtime: Record<string, unknown>;
  env: Map<string, string>;
  args: Map<string, string | undefined>;
  shell: string[];
  /** Set by CMD in this stage: ENTRYPOINT then keeps it (Dockerfile reference, ENTRYPOINT). */
  cmdSet: boolean;
  key: string;
  missed: boolean;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** ENV first, then ARGs with values: what `$X` means in an instruction (ENV wins, as in Docker). */
export function variables(state: StageState): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of state.args) if (v !== undefined) out.set(k, v);
  for (const [k, v] of state.env) out.set(k, v);
  return out;
}

export function workdir(state: StageState): string {
  return typeof state.runtime['WorkingDir'] === 'string' && state.runtime['WorkingDir'] !== '' ? state.runtime['WorkingDir'] : '/';
}

export function user(state: StageState): string {
  return typeof state.runtime['User'] === 'string' ? state.runtime['User'] : '';
}

/** Env as OCI writes it: `NAME=value` in the order first set. */
function envList(env: ReadonlyMap<string, string>): string[] {
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** Applies a metadata instruction (ENV, ARG, LABEL, USER, EXPOSE, CMD, ENTRYPOINT, SHELL) to the stage. */
export function applyMetadata(state: StageState, step: Instruction, buildArgs: ReadonlyMap<string, string>, globalArgs: ReadonlyMap<string, string | undefined>): void {
  const vars = variables(state);
  const x = (text: string): string => expand(text, vars);
  switch (step.keyword) {
    case 'ENV':
      for (const { name, value } of step.pairs) state.env.set(name, expand(value ?? '', variables(state)));
      state.runtime['Env'] = envList(state.env);
      break;
    case 'ARG': {
      const { name, value } = step.pairs[0]!;
      // A build arg wins over the default; an ARG without a default takes the global one.
      const given = buildArgs.get(name) ?? (value === undefined ? globalArgs.get(name) : x(value));
      state.args.set(name, given);
      break;
    }
    case 'LABEL': {
      const labels = { ...((state.runtime['Labels'] as Record<string, string> | undefined) ?? {}) };
      for (const { name, value } of step.pairs) labels[x(name)] = x(value ?? '');
      state.runtime['Labels'] = labels;
      break;
    }
    case 'USER':
      state.runtime['User'] = x(step.words.join(' '));
      break;
    case 'EXPOSE': {
      const ports = { ...((state.runtime['ExposedPorts'] as Record<string, object> | undefined) ?? {}) };
      for (const word of step.words) {
        const port = x(word);
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(port)) throw new BuildError(`EXPOSE: invalid port ${JSON.stringify(port)}`, step.position);
        ports[port.includes('/') ? port.toLowerCase() : `${port}/tcp`] = {};
      }
      state.runtime['ExposedPorts'] = ports;
      break;
    }
    case 'CMD':
      state.runtime['Cmd'] = step.json ?? [...state.shell, step.args];
      state.cmdSet = true;
      break;
    case 'ENTRYPOINT':
      state.runtime['Entrypoint'] = step.json ?? [...state.shell, step.args];
      if (!state.cmdSet) delete state.runtime['Cmd'];
      break;
    case 'SHELL':
      state.shell = [...step.json!];
      state.runtime['Shell'] = [...step.json!];
      break;
    default:
      throw new BuildError(`${step.keyword} is not a metadata instruction`, step.position);
  }
}

/** The runtime config of a base image, and its env as a map. */
export function inheritedRuntime(base: ImageConfig | undefined): { runtime: Record<string, unknown>; env: Map<string, string> } {
  const runtime = structuredClone((base?.config ?? {}) as Record<string, unknown>);
  const env = new Map<string, string>();
  for (const item of (runtime['Env'] as string[] | undefined) ?? []) {
    const at = item.indexOf('=');
    if (at > 0) env.set(item.slice(0, at), item.slice(at + 1));
  }
  return { runtime, env };
}
