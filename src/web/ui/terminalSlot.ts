/**
 * The terminal before xterm is loaded: the page draws its views first and loads the terminal
 * (a third of the page's code) right after, so what is printed meanwhile (a lesson replayed
 * from a link) is kept and written once the real terminal is attached.
 */
/** The prompt the terminal writes (green `$`). */
export const PROMPT = '\x1b[1;32m$\x1b[0m ';

export interface PageTerminal {
  print(text: string): void;
  /** Shows `line` as if typed, then the output is printed by the caller. */
  echoCommand(line: string): void;
  prompt(): void;
  fit(): void;
  focus(): void;
  clear(): void;
}

export class TerminalSlot implements PageTerminal {
  #real: PageTerminal | undefined;
  #queued: string[] = [];
  #wantsFocus = false;

  attach(real: PageTerminal): void {
    this.#real = real;
    for (const text of this.#queued) real.print(text);
    this.#queued = [];
    if (this.#wantsFocus) real.focus();
  }

  print(text: string): void {
    if (this.#real === undefined) this.#queued.push(text);
    else this.#real.print(text);
  }

  echoCommand(line: string): void {
    if (this.#real === undefined) this.#queued.push(`\r\x1b[2K${PROMPT}${line}\r\n`);
    else this.#real.echoCommand(line);
  }

  prompt(): void {
    this.#real?.prompt();
  }

  fit(): void {
    this.#real?.fit();
  }

  focus(): void {
    if (this.#real === undefined) this.#wantsFocus = true;
    else this.#real.focus();
  }

  clear(): void {
    if (this.#real === undefined) this.#queued = [];
    else this.#real.clear();
  }
}
