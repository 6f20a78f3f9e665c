/**
 * What a push or pull moved, as the user sees it (issue 15, "A transfer report"): blobs sent or
 * received vs skipped, and bytes moved vs the image's size.
 */
import { formatBytes } from '../store/index.js';

export type BlobOutcome = 'sent' | 'exists' | 'mounted' | 'received' | 'present' | 'planned';

export interface BlobTransfer {
  digest: string;
  size: number;
  kind: 'layer' | 'config' | 'manifest';
  outcome: BlobOutcome;
  /** For a mount: the repository it came from. */
  from?: string;
}

export interface TransferReport {
  direction: 'push' | 'pull';
  /** `REGISTRY/NAME:TAG` or `…@DIGEST`. */
  reference: string;
  /** Manifest digest, as the registry names it. */
  digest: string;
  blobs: BlobTransfer[];
  /** Bytes moved (blobs and manifest). */
  bytes: number;
  /** Bytes of the image: its layers, config and manifest. */
  imageBytes: number;
  dryRun: boolean;
  /** Pull: whether the store kept the registry's manifest (else it wrote its own; see ImageStore.addPulled). */
  keptManifest?: boolean;
}

/** "pushed 1 of 7 layers, 2.10MB of 184MB; 6 already on the registry" (sizes as the CLI prints them, formatBytes). */
export function describeTransfer(report: TransferReport): string {
  const layers = report.blobs.filter((b) => b.kind === 'layer');
  const push = report.direction === 'push';
  const moved = layers.filter((b) => b.outcome === (push ? 'sent' : 'received') || b.outcome === 'planned').length;
  const verb = report.dryRun ? (push ? 'would push' : 'would pull') : push ? 'pushed' : 'pulled';
  const parts = [`${verb} ${moved} of ${layers.length} layer${layers.length === 1 ? '' : 's'}, ${formatBytes(report.bytes)} of ${formatBytes(report.imageBytes)}`];
  const there = layers.filter((b) => b.outcome === 'exists' || b.outcome === 'present').length;
  if (there > 0) parts.push(`${there} already ${push ? 'on the registry' : 'in the store'}`);
  const mounted = layers.filter((b) => b.outcome === 'mounted');
  if (mounted.length > 0) parts.push(`${mounted.length} mounted from ${[...new Set(mounted.map((b) => b.from))].join(', ')}`);
  return parts.join('; ');
}
