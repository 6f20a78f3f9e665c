import { describe, expect, it } from 'vitest';
import { demoOsTar } from '../../../src/cli/index.js';
import { Layer } from '../../../src/layer/index.js';
import { runSwitches } from '../../../src/web/ui/switches.js';

describe("the switches lesson's panel", () => {
  it('shows each switch changing the outcome of the same commands', async () => {
    const base = await Layer.fromTar(demoOsTar(1_704_067_200_000));
    const off = runSwitches([base], { redirectDir: false, index: false, metacopy: false });
    const on = runSwitches([base], { redirectDir: true, index: true, metacopy: true });
    expect(off.map((o) => o.did)).toEqual([expect.stringContaining('README now comes from the upper layer'), expect.stringContaining('whole file'), expect.stringContaining('broke the link')]);
    expect(on.map((o) => o.did)).toEqual([expect.stringContaining('README still comes from layer 0'), expect.stringContaining('only the attributes'), expect.stringContaining('stay one file')]);
    // metacopy alone turns redirect_dir on, as the kernel does (overlayfs.rst, "Metadata only copy up").
    expect(runSwitches([base], { redirectDir: false, index: false, metacopy: true }).map((o) => o.did)).toEqual([expect.stringContaining('redirect'), expect.stringContaining('only the attributes'), expect.stringContaining('broke the link')]);
  });
});
