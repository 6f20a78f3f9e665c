import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { DomainError, FsError } from '../../errors/index.js';
import type { ContainerRecord, ImageRecord, Store } from '../../host/index.js';
import { historyRows } from '../../image/index.js';
import type { Layer } from '../../layer/index.js';
import { Overlay, type LayerRef } from '../../overlay/index.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { shortId } from '../render/format.js';

/** One verb: its yargs syntax, help text, options and what it does. */
export interface CommandSpec {
  command: string;
  describe: string;
  builder?: (y: Argv) => Argv;
  examples?: readonly (readonly [string, string])[];
  run(ctx: Context): Promise<number | void>;
}

/** A path inside a container or image: absolute; a relative path is taken from `/`. */
export function insidePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** A mounted container or image, with names for its layers. */
export interface View {
  kind: 'container' | 'image';
  store: Store;
  overlay: Overlay;
  lowers: Layer[];
  image: ImageRecord;
  container?: ContainerRecord;
  /** A short label of a layer (`upper`, `layer 2`) with what made it. */
  describeLayer(ref: LayerRef): string;
  /** The image's name or ID, for messages. */
  imageLabel: string;
}

export function imageLabel(image: ImageRecord): string {
  return image.names[0] ?? shortId(image.id);
}

function describer(image: ImageRecord, container: ContainerRecord | undefined): (ref: LayerRef) => string {
  const rows = historyRows(image.config);
  return (ref) => {
    if (ref === 'upper') return container === undefined ? 'upper (none)' : `upper (container ${container.name}, writable)`;
    const row = rows.find((r) => r.layerIndex === ref);
    const by = row?.createdBy ?? '';
    return `layer ${ref}${by === '' ? '' : ` (${by})`}`;
  };
}

/**
 * Runs `fn` on a mounted container; with `save`, writes its writable layer back afterwards
 * (only when `fn` succeeds, so a failed operation changes nothing).
 */
export async function withContainer<T>(ctx: Context, ref: string, save: boolean, fn: (overlay: Overlay, container: ContainerRecord, store: Store) => Promise<T> | T): Promise<T> {
  return ctx.withStore(async (store) => {
    const container = await store.resolveContainer(ref);
    const overlay = await store.mount(container);
    const result = await fn(overlay, container, store);
    if (save) await store.saveUpper(container, overlay);
    return result;
  });
}

/** A container by name or ID, else an image by name or ID, mounted read-only. */
export async function withView<T>(ctx: Context, target: string, fn: (view: View) => Promise<T> | T): Promise<T> {
  return ctx.withStore(async (store) => {
    const container = await store.findContainer(target);
    if (container !== undefined) {
      const image = await store.containerImage(container);
      const overlay = await store.mount(container);
      return fn({ kind: 'container', store, overlay, lowers: [...overlay.lowers], image, container, describeLayer: describer(image, container), imageLabel: imageLabel(image) });
    }
    const image = store.findImage(target);
    if (image === undefined) throw new DomainError('NotFoundError', `no such container or image: ${target}`, { target });
    const lowers = await store.layers(image);
    const overlay = new Overlay({ lowers, clock: ctx.clock });
    return fn({ kind: 'image', store, overlay, lowers, image, describeLayer: describer(image, undefined), imageLabel: imageLabel(image) });
  });
}

/** Reads data given as an argument, from a host file (`--from`), or from stdin. */
export async function inputData(ctx: Context, inline: string | undefined): Promise<Uint8Array> {
  const from = ctx.optStr('from');
  if (inline !== undefined && from !== undefined) throw new DomainError('InvalidArgumentError', 'give the data either as an argument or with --from, not both');
  if (inline !== undefined) return new TextEncoder().encode(inline);
  if (from !== undefined && from !== '-') {
    return new Uint8Array(readFileSync(resolve(ctx.io.cwd, from)));
  }
  if (ctx.io.stdinIsTTY) throw new UsageError('no data: give it as an argument, with --from FILE, or on stdin');
  return ctx.io.readStdin();
}

/** Stdin as an archive or tar, refusing a terminal (nothing would ever arrive). */
export async function stdinArchive(ctx: Context, what: string): Promise<Uint8Array> {
  if (ctx.io.stdinIsTTY) throw new UsageError(`no ${what}: give a file, or pipe one to stdin`);
  return ctx.io.readStdin();
}

/**
 * Runs a file operation on `path`; an error from deeper down that lost track of the path (a
 * read of a directory fails in `read`, not in `open`) gets it back, for the one-line message.
 */
export function onPath<T>(path: string, fn: () => T, dest?: string): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof FsError && error.path === undefined) error.withContext(error.syscall ?? 'open', path, dest);
    throw error;
  }
}
