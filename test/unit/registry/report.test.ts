/**
 * The transfer report (issue 15, "A transfer report") prints sizes as the rest of the CLI does
 * (formatBytes, Docker's style: `2.10MB`, no space), not a format of its own.
 */
import { describe, expect, it } from 'vitest';
import { describeTransfer, type BlobTransfer } from '../../../src/registry/index.js';
import { formatBytes } from '../../../src/host/index.js';

const layer = (size: number, outcome: BlobTransfer['outcome']): BlobTransfer => ({ digest: `sha256:${String(size).padStart(64, '0')}`, size, kind: 'layer', outcome });

describe('describeTransfer', () => {
  it('sizes as the CLI prints them', () => {
    const blobs = [layer(2_100_000, 'sent'), ...[1, 2, 3, 4, 5, 6].map((i) => layer(30_000_000 + i, 'exists'))];
    const text = describeTransfer({ direction: 'push', reference: 'r/a:1', digest: 'sha256:x', blobs, bytes: 2_100_000, imageBytes: 184_000_000, dryRun: false });
    expect(text).toBe('pushed 1 of 7 layers, 2.10MB of 184MB; 6 already on the registry');
    expect(text).toContain(formatBytes(2_100_000));
    expect(describeTransfer({ direction: 'pull', reference: 'r/a:1', digest: 'sha256:x', blobs: [layer(512, 'planned')], bytes: 512, imageBytes: 900, dryRun: true })).toBe('would pull 1 of 1 layer, 512B of 900B');
  });
});
