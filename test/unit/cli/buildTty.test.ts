import { describe, expect, it } from 'vitest';
import type { Output } from '../../../src/cli/io.js';
import { buildTtyView } from '../../../src/cli/render/buildTty.js';

/** A terminal that applies the two escapes the view uses (cursor up N lines to column 0, clear below). */
function terminal(columns = 60): Output & { screen(): string[] } {
  let lines: string[] = [];
  let row = 0;
  return {
    isTTY: true,
    columns,
    drain: () => Promise.resolve(),
    write(chunk) {
      let text = String(chunk);
      for (;;) {
        const m = /\x1b\[(\d+)F\x1b\[J/.exec(text);
        const plain = m === null ? text : text.slice(0, m.index);
        for (const part of plain.split('\n').slice(0, -1)) lines[row++] = part;
        if (m === null) break;
        row -= Number(m[1]);
        lines = lines.slice(0, row);
        text = text.slice(m.index + m[0].length);
      }
    },
    screen: () => lines.slice(0, row),
  };
}

/** A step's line on a 60-column terminal: its text, and its time flush right. */
const row = (text: string, time: string): string => `${text.padEnd(60 - time.length - 2)}  ${time}`;

describe('build --progress tty', () => {
  it("redraws BuildKit's terminal view in place, keeping each miss's reason under its step", () => {
    const out = terminal();
    let t = 0;
    const view = buildTtyView(out, () => t);
    for (const line of ['#1 [internal] load build definition from Dockerfile', '#1 DONE 0.0s', '', '#2 [1/3] FROM scratch', '#2 CACHED', '#3 [2/3] COPY src/ /app/', '#3 CACHE MISS: COPY src/ /app/: src/a.js changed (content)']) view.line(line);
    expect(out.screen()).toEqual([
      '[+] Building 0.0s (2/3)',
      row(' => [internal] load build definition from Dockerfile', '0.0s'),
      ' => CACHED [1/3] FROM scratch',
      row(' => [2/3] COPY src/ /app/', '…'),
      '    ↳ COPY src/ /app/: src/a.js changed (content)',
    ]);
    t = 1500;
    view.line('#3 DONE 0.1s');
    view.line('Build steps: 1/2 cached (50%)');
    view.end();
    expect(out.screen()).toEqual([
      '[+] Building 1.5s (3/3) FINISHED',
      row(' => [internal] load build definition from Dockerfile', '0.0s'),
      ' => CACHED [1/3] FROM scratch',
      row(' => [2/3] COPY src/ /app/', '0.1s'),
      '    ↳ COPY src/ /app/: src/a.js changed (content)',
      'Build steps: 1/2 cached (50%)',
    ]);
  });
});
