/**
 * Targets of the analysis verbs (`analyze`, `diff A B`, `cp`): a container or an image of the
 * store (`IMAGE@N`, `CONTAINER@N` too), or a host path to a `docker save` archive or an OCI
 * layout (a directory or a tar), read without storing it, with `@N` or `@stepS` after it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { archiveLayers, openView, parseLayerTarget, viewLayers, type LayerSource } from '../../app/index.js';
import { dirSource, openArchiveFile, openArchiveFileInPlace, type ArchiveSource } from '../../host/index.js';
import { Overlay } from '../../overlay/index.js';
import type { Context } from '../context.js';
import { hostInput } from './common.js';

/** A target naming a host file or directory (a path, or a .tar file) is an archive or layout. */
function isHostPath(ctx: Context, target: string): boolean {
  return (target.includes('/') || /\.(tar|tgz|tar\.gz)$/.test(target)) && existsSync(resolve(ctx.io.cwd, target));
}

/** The host path and the layer a target names, when it names a host path (see the module comment). */
function hostTarget(ctx: Context, target: string): { path: string; at?: { layer?: number; step?: number } } | undefined {
  if (isHostPath(ctx, target)) return { path: target };
  const at = parseLayerTarget(target);
  if (at === undefined || !isHostPath(ctx, at.ref)) return undefined;
  return { path: at.ref, at: at.layer === undefined ? { step: at.step! } : { layer: at.layer } };
}

/**
 * The layers of a target, bottom first (a container's writable layer last). `--image` picks one
 * image of an archive. `columns`: the caller reads only the layers' columns (`analyze`).
 */
export async function targetLayers(ctx: Context, target: string, { columns = false } = {}): Promise<LayerSource> {
  const host = hostTarget(ctx, target);
  if (host === undefined) return ctx.withStore(async (store) => viewLayers(await openView(store, target, { clock: ctx.clock })));
  const { path, directory } = hostInput(ctx, host.path);
  const name = ctx.optStr('image');
  const options = { ...(name === undefined ? {} : { name }), ...(host.at === undefined ? {} : { at: host.at }), columns };
  if (directory) return archiveLayers(dirSource(path), host.path, options);
  const layersOf = async (source: ArchiveSource): Promise<LayerSource> => {
    try {
      return await archiveLayers(source, host.path, options);
    } finally {
      source.close();
    }
  };
  // A plain tar is read where it lies, without the store: analysing an archive in a directory
  // with no store makes none. A gzip one is decompressed into the store's temporary files.
  const inPlace = await openArchiveFileInPlace(path, host.path);
  if (inPlace !== undefined) return layersOf(inPlace);
  return ctx.withStore(async (store) => layersOf(await openArchiveFile(path, host.path, store.tmpDir)));
}

/** Runs `fn` on the merged view of a target, mounted read-only. */
export async function withTargetOverlay<T>(ctx: Context, target: string, fn: (overlay: Overlay) => Promise<T> | T): Promise<T> {
  if (hostTarget(ctx, target) === undefined) return ctx.withStore(async (store) => fn((await openView(store, target, { clock: ctx.clock })).overlay));
  const { layers } = await targetLayers(ctx, target);
  return fn(new Overlay({ lowers: layers, clock: ctx.clock }));
}
