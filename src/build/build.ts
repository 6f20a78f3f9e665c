/**
 * `build()`: a Containerfile and a context to an image in the store, step by step, each
 * layer-making step keyed and looked up in the store's build cache (cache.ts), each miss
 * explained, in BuildKit's plain progress format (progress.ts). Runs on the Node-free core:
 * the context is any fs-like object.
 */
import { chainId } from '../digest/index.js';
import { isEmptyLayer, type HistoryEntry, type ImageConfig } from '../image/index.js';
import type { Layer } from '../layer/index.js';
import { Overlay } from '../overlay/index.js';
import type { ShellCommand } from '../shell/index.js';
import type { BuildCacheDocument } from '../store/index.js';
import { explainMiss, fromKey, lookup, savedMs, stepKey, type CachedStep, type StepDefinition } from './cache.js';
import { contextTree, SourceTree, type BuildContextFs } from './context.js';
import { containerfileText, type BuildOptions, type BuildResult, type StepReport } from './options.js';
import { BuildError } from './errors.js';
import { parseContainerfile, type Containerfile, type Instruction, type StageDefinition } from './parse.js';
import { Progress } from './progress.js';
import { applyMetadata, DEFAULT_SHELL, inheritedRuntime, type StageState } from './stage.js';
import { copyDefinition, executeCopy, executeRun, executeWorkdir, runDefinition, withFileRecords, workdirDefinition } from './steps.js';
import { squashLayers } from './squash.js';
import { imageFigures, type BuildSummary } from './summary.js';
import { expand } from './variables.js';
import { lintOrder, whatIfStep, type WhatIfResult, type WhatIfStep } from './whatIf.js';

export async function build(options: BuildOptions): Promise<BuildResult> {
  const { text, file } = containerfileText(options);
  const parsed = parseContainerfile(text, file);
  return (await new BuildRun({ ...options, whatIf: undefined }, parsed).run()) as BuildResult;
}

/** `--what-if PATHS`: the steps edits to these context paths would rebuild; the store is not changed. */
export async function whatIf(options: BuildOptions & { whatIf: readonly string[] }): Promise<WhatIfResult> {
  const { text, file } = containerfileText(options);
  const parsed = parseContainerfile(text, file);
  return (await new BuildRun(options, parsed).run()) as WhatIfResult;
}

class BuildRun {
  readonly #o: BuildOptions;
  readonly #file: Containerfile;
  readonly #epoch: number;
  readonly #created: string;
  readonly #progress: Progress;
  readonly #buildArgs: Map<string, string>;
  readonly #globalArgs = new Map<string, string | undefined>();
  readonly #stages = new Map<number, StageState>();
  readonly #reports: StepReport[] = [];
  #context: SourceTree | undefined;
  readonly #changed: string[] | undefined;
  readonly #plan: WhatIfStep[] = [];
  /** What-if: stages whose steps would run again. */
  readonly #rebuiltStages = new Set<number>();
  #cache!: BuildCacheDocument;
  /** The entries this build added: merged into the store's document at the end (a fully cached build leaves it as it is). */
  readonly #added: Record<string, CachedStep> = {};

  constructor(options: BuildOptions, file: Containerfile) {
    this.#o = options;
    this.#file = file;
    this.#epoch = options.sourceDateEpoch ?? 0;
    this.#created = new Date(this.#epoch * 1000).toISOString();
    this.#progress = new Progress(options.onProgress ?? (() => {}), options.now ?? Date.now);
    this.#buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
    this.#changed = options.whatIf?.map((p) => p.replace(/^\.?\/+/, '').replace(/\/+$/, ''));
    for (const arg of file.globalArgs) {
      const { name, value } = arg.pairs[0]!;
      this.#globalArgs.set(name, this.#buildArgs.get(name) ?? (value === undefined ? undefined : expand(value, definedArgs(this.#globalArgs))));
    }
  }

  async run(): Promise<BuildResult | WhatIfResult> {
    const p = this.#progress;
    p.internal(`load build definition from ${this.#file.file}`);
    this.#cache = await this.#o.store.buildCache();
    const target = this.#targetStage();
    const needed = this.#needed(target);
    try {
      for (const stage of this.#file.stages) if (needed.has(stage.index)) await this.#buildStage(stage, needed.size > 1 || this.#file.stages.length > 1);
    } catch (error) {
      // The steps that ran before the failing one stay cached, as in Docker: the build after
      // the fix starts at the step that failed (test/unit/build/run.test.ts, "a failed build").
      await this.#keepAdded().catch(() => {});
      throw error;
    }
    const state = this.#stages.get(target.index)!;
    if (this.#changed !== undefined) {
      const rebuilt = this.#plan.filter((s) => s.rebuild);
      return {
        changed: this.#changed,
        steps: this.#plan,
        rebuilt: { steps: rebuilt.length, bytes: rebuilt.reduce((n, s) => n + s.bytes, 0), simulatedMs: rebuilt.reduce((n, s) => n + s.simulatedMs, 0), durationMs: rebuilt.reduce((n, s) => n + s.durationMs, 0) },
        lint: lintOrder(this.#file.stages.filter((s) => needed.has(s.index))),
      };
    }
    if (this.#o.squash === true) await this.#squash(state);
    const config = this.#config(state);
    p.internal('exporting to image');
    const image = await this.#o.store.addImage({ config, names: [...(this.#o.tags ?? [])] });
    await this.#keepAdded();
    const keyed = this.#reports;
    const summary: BuildSummary = {
      steps: keyed.length,
      cached: keyed.filter((r) => r.status === 'CACHED').length,
      simulatedMsSaved: keyed.filter((r) => r.status === 'CACHED').reduce((s, r) => s + r.simulatedMs, 0),
      simulatedMsSpent: keyed.filter((r) => r.status === 'DONE').reduce((s, r) => s + r.simulatedMs, 0),
      timeSavedMs: keyed.filter((r) => r.status === 'CACHED').reduce((s, r) => s + r.durationMs, 0),
      timeSpentMs: keyed.filter((r) => r.status === 'DONE').reduce((s, r) => s + r.durationMs, 0),
      ...imageFigures(state.layers, config),
    };
    p.summary(summary, image.id);
    return { image, steps: this.#reports, summary };
  }

  /** Merges the entries this build added into the store's cache document as it is now. */
  async #keepAdded(): Promise<void> {
    if (Object.keys(this.#added).length > 0) await this.#o.store.updateBuildCache((doc) => ({ ...doc, entries: { ...doc.entries, ...this.#added } }));
  }

  #targetStage(): StageDefinition {
    const { stages } = this.#file;
    if (this.#o.target === undefined) return stages.at(-1)!;
    const found = stages.find((s) => s.name === this.#o.target!.toLowerCase());
    if (found === undefined) throw new BuildError(`target stage ${JSON.stringify(this.#o.target)} could not be found (stages: ${stages.map((s) => s.name ?? String(s.index)).join(', ')})`);
    return found;
  }

  /** A stage named by FROM or --from: by name, or by index. */
  #stageRef(ref: string, before: number): StageDefinition | undefined {
    const lower = ref.toLowerCase();
    const found = this.#file.stages.find((s) => s.index < before && (s.name === lower || String(s.index) === ref));
    return found;
  }

  /** The stages the target needs (issue 12, "Multi-stage": only those are built). */
  #needed(target: StageDefinition): Set<number> {
    const out = new Set<number>();
    const visit = (stage: StageDefinition): void => {
      if (out.has(stage.index)) return;
      out.add(stage.index);
      const base = this.#stageRef(expand(stage.base, definedArgs(this.#globalArgs)), stage.index);
      if (base !== undefined) visit(base);
      for (const step of stage.steps) {
        const from = step.flags['from'];
        if ((step.keyword === 'COPY' || step.keyword === 'ADD') && from !== undefined) {
          const dep = this.#stageRef(expand(from, definedArgs(this.#globalArgs)), stage.index);
          if (dep !== undefined) visit(dep);
        }
      }
    };
    visit(target);
    return out;
  }

  async #buildStage(def: StageDefinition, multi: boolean): Promise<void> {
    const p = this.#progress;
    const label = def.name ?? (multi ? `stage-${def.index}` : '');
    const total = 1 + def.steps.filter(isLayerStep).length;
    const baseName = expand(def.base, definedArgs(this.#globalArgs));
    const n = p.step(label, 1, total, `FROM ${baseName}${def.name === undefined ? '' : ` AS ${def.name}`}`);
    const state = await this.#base(def, baseName, label);
    p.done(n, 0);
    let index = 1;
    for (const step of def.steps) {
      if (!isLayerStep(step)) {
        applyMetadata(state, step, this.#buildArgs, this.#globalArgs);
        // ARG too, as the issue asks and both Docker builders do (BuildKit's dispatchArg and the
        // classic builder's end in a history commit); README, "History".
        state.history.push({ created: this.#created, created_by: step.text, empty_layer: true });
        continue;
      }
      index++;
      await this.#layerStep(state, step, index, total);
    }
    this.#stages.set(def.index, state);
  }

  async #base(def: StageDefinition, name: string, label: string): Promise<StageState> {
    const common = { def, label, args: new Map<string, string | undefined>(), shell: [...DEFAULT_SHELL], cmdSet: false, missed: false };
    const stage = this.#stageRef(name, def.index);
    if (stage !== undefined) {
      const from = this.#stages.get(stage.index)!;
      return { ...common, missed: this.#changed !== undefined && this.#rebuiltStages.has(stage.index), layers: [...from.layers], diffIds: [...from.diffIds], baseLayers: from.layers.length, baseHistory: from.history.length, history: [...from.history], base: from.base, runtime: structuredClone(from.runtime), env: new Map(from.env), shell: [...from.shell], key: from.key };
    }
    if (name === 'scratch') return { ...common, layers: [], diffIds: [], baseLayers: 0, baseHistory: 0, history: [], base: undefined, runtime: {}, env: new Map(), key: fromKey(undefined) };
    const image = this.#o.store.findImage(name);
    if (image === undefined) throw new BuildError(`FROM ${name}: no such image in the store (import or load it first, or name an earlier stage)`, def.from.position);
    const layers = await this.#o.store.layers(image);
    const { runtime, env } = inheritedRuntime(image.config);
    const diffIds = [...image.config.rootfs.diff_ids];
    return { ...common, layers, diffIds, baseLayers: layers.length, baseHistory: image.config.history?.length ?? 0, history: [...(image.config.history ?? [])], base: image.config, runtime, env, key: fromKey(diffIds.length === 0 ? undefined : chainId(diffIds)) };
  }

  #mount(state: StageState): Overlay {
    return new Overlay({ lowers: state.layers, clock: () => this.#epoch * 1000 });
  }

  /** The tree a COPY/ADD reads: the context, or with --from a stage's or an image's files. */
  async #sourceTree(state: StageState, step: Instruction): Promise<{ tree: SourceTree; from: string | undefined }> {
    const fromRaw = step.flags['from'];
    if (fromRaw === undefined) {
      this.#context ??= contextTree(this.#o.context);
      return { tree: this.#context, from: undefined };
    }
    const from = expand(fromRaw, definedArgs(this.#globalArgs));
    const stage = this.#stageRef(from, state.def.index);
    let layers: Layer[];
    if (stage !== undefined) layers = this.#stages.get(stage.index)!.layers;
    else {
      const image = this.#o.store.findImage(from);
      if (image === undefined) throw new BuildError(`COPY --from=${from}: no stage or image of that name`, step.position);
      layers = await this.#o.store.layers(image);
    }
    const overlay = new Overlay({ lowers: layers });
    return { tree: new SourceTree(overlay.fs as unknown as BuildContextFs, { describe: `--from=${from}` }), from };
  }

  async #layerStep(state: StageState, step: Instruction, index: number, total: number): Promise<void> {
    const p = this.#progress;
    const planned = p.now();
    let def: StepDefinition;
    let copy: Awaited<ReturnType<typeof copyDefinition>> | undefined;
    if (step.keyword === 'RUN') def = runDefinition(state, step);
    else if (step.keyword === 'WORKDIR') {
      def = workdirDefinition(state, step);
      state.runtime['WorkingDir'] = def.workdir;
    } else {
      const { tree, from } = await this.#sourceTree(state, step);
      copy = copyDefinition(state, step, tree, from);
      def = copy.def;
    }
    const key = stepKey(state.key, def);
    const keyMs = p.now() - planned;
    if (this.#changed !== undefined && copy !== undefined) {
      withFileRecords(copy);
      copy.tree.release();
    }
    if (this.#changed !== undefined) return this.#planStep(state, step, def, key, copy !== undefined && step.flags['from'] === undefined);
    const n = p.step(state.label, index, total, `${step.keyword} ${step.args}`);
    const cached = this.#o.noCache === true || state.missed ? undefined : lookup(this.#cache, key);
    const report: StepReport = { n, stage: state.label, instruction: step.text, position: step.position, status: 'DONE', simulatedMs: 0, durationMs: 0, bytes: 0 };
    if (cached !== undefined && (await this.#reuse(state, cached, step.text))) {
      p.cached(n);
      report.status = 'CACHED';
      report.simulatedMs = cached.simulatedMs;
      report.durationMs = savedMs(cached);
      report.bytes = cached.bytes;
    } else {
      if (copy !== undefined) withFileRecords(copy);
      const reason = this.#o.noCache === true ? '--no-cache' : state.missed ? 'parent step missed' : cached !== undefined ? `${step.keyword}: cached layer is no longer in the store` : explainMiss(this.#cache, state.key, def);
      report.reason = reason;
      p.miss(n, reason);
      const started = p.now();
      const overlay = this.#mount(state);
      let simulatedMs = 0;
      try {
        if (step.keyword === 'RUN') {
          const ran = await executeRun(overlay, state, step, def, this.#o.commands as Record<string, ShellCommand> | undefined, this.#epoch);
          simulatedMs = ran.simulatedMs;
          p.output(n, ran.output, started);
        } else if (step.keyword === 'WORKDIR') executeWorkdir(overlay, def, this.#epoch);
        else await executeCopy(overlay, state, step, copy!, this.#epoch);
      } catch (error) {
        p.error(n, error instanceof Error ? error.message : String(error), error instanceof BuildError ? String(error.data['output'] ?? '') : '', started);
        throw error;
      }
      const executed = p.now();
      const layer = await overlay.commit({ created: this.#created, createdBy: step.text });
      const committed = p.now();
      const entry: CachedStep = { parent: state.key, definition: def, simulatedMs, bytes: 0 };
      if (isEmptyLayer(layer)) state.history.push({ created: this.#created, created_by: step.text, empty_layer: true });
      else {
        const diffId = await this.#o.store.storeLayer(layer);
        const blob = this.#o.store.layerBlob(diffId)!;
        state.layers.push(layer);
        state.diffIds.push(diffId);
        state.history.push({ created: this.#created, created_by: step.text });
        Object.assign(entry, { diffId, blob, bytes: layer.size });
      }
      const stored = p.now();
      // What a later hit saves: the declared simulated time, else what running it took here.
      entry.durationMs = simulatedMs > 0 ? simulatedMs : stored - started;
      this.#cache.entries[key] = entry;
      this.#added[key] = entry;
      state.missed = true;
      report.simulatedMs = simulatedMs;
      report.durationMs = entry.durationMs;
      report.bytes = entry.bytes;
      report.timings = { keyMs, executeMs: executed - started, commitMs: committed - executed, storeMs: stored - committed };
      p.done(n, simulatedMs, started);
    }
    copy?.tree.release();
    state.key = key;
    this.#reports.push(report);
  }

  /** What-if: decides the step without running it; a cached layer is still applied so later keys are right. */
  async #planStep(state: StageState, step: Instruction, def: StepDefinition, key: string, fromContext: boolean): Promise<void> {
    const cached = lookup(this.#cache, key);
    const fromRef = step.flags['from'];
    const fromStage = fromRef === undefined ? undefined : this.#stageRef(expand(fromRef, definedArgs(this.#globalArgs)), state.def.index);
    const fromRebuilt = fromStage !== undefined && this.#rebuiltStages.has(fromStage.index);
    const decision = whatIfStep(def, cached, state.missed, fromContext, fromRebuilt, this.#changed!);
    this.#plan.push({ stage: state.label, instruction: step.text, position: step.position, ...decision, bytes: cached?.bytes ?? 0, simulatedMs: cached?.simulatedMs ?? 0, durationMs: cached === undefined ? 0 : savedMs(cached) });
    if (decision.rebuild) {
      state.missed = true;
      this.#rebuiltStages.add(state.def.index);
    }
    if (cached === undefined || !(await this.#reuse(state, cached, step.text))) state.missed = true;
    state.key = key;
  }

  /** Applies a cached step; false when its layer is gone from the store (then it runs again). */
  async #reuse(state: StageState, cached: CachedStep, text: string): Promise<boolean> {
    if (cached.blob === undefined || cached.diffId === undefined) {
      state.history.push({ created: this.#created, created_by: text, empty_layer: true });
      return true;
    }
    const layer = await this.#o.store.layerFromBlob(cached.diffId, cached.blob);
    if (layer === undefined) return false;
    state.layers.push(layer);
    state.diffIds.push(cached.diffId);
    state.history.push({ created: this.#created, created_by: text });
    return true;
  }

  async #squash(state: StageState): Promise<void> {
    const own = state.layers.slice(state.baseLayers);
    if (own.length === 0) return;
    const layer = await squashLayers(state.layers.slice(0, state.baseLayers), own, this.#epoch);
    const diffId = await this.#o.store.storeLayer(layer);
    state.layers = [...state.layers.slice(0, state.baseLayers), layer];
    state.diffIds = [...state.diffIds.slice(0, state.baseLayers), diffId];
    const history: HistoryEntry[] = state.history.map((h, i) => (i < state.baseHistory ? h : { ...h, empty_layer: true }));
    history.push({ created: this.#created, created_by: `overlay build --squash`, comment: `${own.length} layers merged into one` });
    state.history = history;
  }

  #config(state: StageState): ImageConfig {
    const platform = this.#o.store.platform;
    const base: Partial<ImageConfig> = state.base === undefined ? {} : structuredClone(state.base);
    delete base.author;
    return {
      ...base,
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant === undefined ? {} : { variant: platform.variant }),
      created: this.#created,
      config: state.runtime,
      rootfs: { type: 'layers', diff_ids: state.diffIds },
      history: state.history,
    };
  }
}

function isLayerStep(step: Instruction): boolean {
  return step.keyword === 'RUN' || step.keyword === 'COPY' || step.keyword === 'ADD' || step.keyword === 'WORKDIR';
}

function definedArgs(args: ReadonlyMap<string, string | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of args) if (v !== undefined) out.set(k, v);
  return out;
}
