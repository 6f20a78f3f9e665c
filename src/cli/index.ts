/**
 * What the teaching page (src/web, bundled for a browser) uses of the CLI: its entry point, the
 * recording `Io` and the demo's fixed clock, platform and OS tar (as `overlay demo` runs
 * commands), and the rendering of `explain`. Nothing else imports the CLI.
 */
export { run } from './run.js';
export type { Io, Output } from './io.js';
export { recordingIo } from './demo/recordingIo.js';
export { DEMO_EPOCH, DEMO_PLATFORM, OS_TAR, demoOsTar } from './demo/index.js';
export { shellQuote } from './demo/Player.js';
export { renderExplanation } from './render/explain.js';
