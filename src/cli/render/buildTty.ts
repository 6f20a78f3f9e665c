/**
 * `overlay build --progress tty`: BuildKit's terminal view, drawn from the plain progress lines
 * the build emits (`#n [stage i/N] INSTRUCTION`, `#n CACHED`, `#n CACHE MISS: why`, `#n DONE
 * 0.1s`, `#n ERROR: …`). One line per step, redrawn in place as steps finish, with a header
 * counting finished steps and the time so far; a miss keeps its reason under its step, the
 * lesson the plain log teaches. Lines that are not a step's (the summary) follow the view.
 */
import type { Output } from '../io.js';

interface StepView {
  title: string;
  state: 'running' | 'cached' | 'done' | 'error';
  time: string;
  notes: string[];
}

export interface BuildTtyView {
  line(text: string): void;
  /** The last frame, then the lines that were not a step's. */
  end(): void;
}

export function buildTtyView(out: Output, now: () => number): BuildTtyView {
  const steps = new Map<number, StepView>();
  const after: string[] = [];
  const started = now();
  let drawn = 0;

  const frame = (finished: boolean): string[] => {
    const width = Math.max(40, out.columns ?? 80);
    const all = [...steps.values()];
    const done = all.filter((s) => s.state !== 'running').length;
    const seconds = ((now() - started) / 1000).toFixed(1);
    const lines = [`[+] Building ${seconds}s (${done}/${all.length})${finished ? ' FINISHED' : ''}`];
    for (const step of all) {
      const mark = step.state === 'cached' ? 'CACHED ' : step.state === 'error' ? 'ERROR ' : '';
      const time = step.state === 'done' ? step.time : step.state === 'running' ? '…' : '';
      const left = ` => ${mark}${step.title}`;
      const room = width - time.length - 2;
      lines.push(`${left.length > room ? `${left.slice(0, room - 1)}…` : left.padEnd(room)}  ${time}`.trimEnd());
      for (const note of step.notes) lines.push(`    ${note}`.slice(0, width));
    }
    return lines;
  };

  const draw = (finished: boolean): void => {
    const lines = frame(finished);
    // Back to the first line of the last frame, clear below, draw again.
    out.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };

  return {
    line(text) {
      const m = /^#(\d+) (.*)$/.exec(text);
      if (m === null) {
        if (text !== '') after.push(text);
        return;
      }
      const n = Number(m[1]);
      const rest = m[2]!;
      const step = steps.get(n);
      if (step === undefined) steps.set(n, { title: rest, state: 'running', time: '', notes: [] });
      else if (rest === 'CACHED') step.state = 'cached';
      else if (rest.startsWith('DONE ')) {
        step.state = 'done';
        step.time = rest.slice(5);
      } else if (rest.startsWith('ERROR')) {
        step.state = 'error';
        step.notes.push(rest);
      } else if (rest.startsWith('CACHE MISS: ')) step.notes.push(`↳ ${rest.slice('CACHE MISS: '.length)}`);
      else return;
      draw(false);
    },
    end() {
      draw(true);
      for (const text of after) out.write(`${text}\n`);
    },
  };
}
