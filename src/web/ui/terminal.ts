/**
 * The page's terminal: @xterm/xterm with a line editor (left/right, backspace, Home/End,
 * history on up/down, Ctrl-C, Ctrl-L). Each line is handed to `onLine`; what the command
 * printed is written back with \n as \r\n.
 */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';

import { PROMPT, type PageTerminal } from './terminalSlot.js';


export function createTerminal(host: HTMLElement, onLine: (line: string) => Promise<void>): PageTerminal {
  host.replaceChildren();
  const term = new Terminal({
    convertEol: true,
    cursorBlink: true,
    fontSize: 13,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
    scrollback: 5000,
    screenReaderMode: true,
    theme: { background: '#10141a', foreground: '#e6e6e6' },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(host);
  // Tab and Shift-Tab move the focus on, as everywhere else on the page: the terminal completes
  // nothing, and a focus trap would leave keyboard users stuck in it (WCAG 2.1.2 "No Keyboard
  // Trap"). Returning false makes xterm leave the key to the browser.
  term.attachCustomKeyEventHandler((event) => event.key !== 'Tab');
  const history: string[] = [];
  let line = '';
  let cursor = 0;
  let back = 0;
  let busy = false;
  const redraw = (): void => {
    term.write(`\r\x1b[2K${PROMPT}${line}`);
    if (cursor < line.length) term.write(`\x1b[${line.length - cursor}D`);
  };
  const prompt = (): void => {
    line = '';
    cursor = 0;
    back = 0;
    term.write(PROMPT);
  };
  term.onData(async (data) => {
    if (busy) return;
    if (data === '\r') {
      const typed = line;
      term.write('\r\n');
      if (typed.trim() !== '') {
        history.push(typed);
        busy = true;
        try {
          await onLine(typed);
        } finally {
          busy = false;
        }
      }
      prompt();
    } else if (data === '\x7f' || data === '\b') {
      if (cursor > 0) {
        line = line.slice(0, cursor - 1) + line.slice(cursor);
        cursor--;
        redraw();
      }
    } else if (data === '\x1b[A' || data === '\x1b[B') {
      back = Math.max(0, Math.min(history.length, back + (data === '\x1b[A' ? 1 : -1)));
      line = back === 0 ? '' : history[history.length - back]!;
      cursor = line.length;
      redraw();
    } else if (data === '\x1b[D') {
      if (cursor > 0) cursor--, term.write(data);
    } else if (data === '\x1b[C') {
      if (cursor < line.length) cursor++, term.write(data);
    } else if (data === '\x1b[H' || data === '\x01') {
      cursor = 0;
      redraw();
    } else if (data === '\x1b[F' || data === '\x05') {
      cursor = line.length;
      redraw();
    } else if (data === '\x03') {
      term.write('^C\r\n');
      prompt();
    } else if (data === '\x0c') {
      term.clear();
      redraw();
    } else if (!data.startsWith('\x1b')) {
      const printable = data.replace(/[\x00-\x1f]/g, '');
      line = line.slice(0, cursor) + printable + line.slice(cursor);
      cursor += printable.length;
      redraw();
    }
  });
  return {
    print: (text) => term.write(text),
    echoCommand: (typed) => term.write(`\r\x1b[2K${PROMPT}${typed}\r\n`),
    prompt,
    fit: () => {
      try {
        fit.fit();
      } catch {
        // Not laid out yet (hidden): the next resize fits it.
      }
    },
    focus: () => term.focus(),
    clear: () => term.clear(),
  };
}
