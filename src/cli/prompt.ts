/**
 * A line typed at the terminal, as `docker login` asks for a user name and a password: the
 * password with echo off (the terminal in raw mode, so this process sees each key and shows
 * none). Enter ends the line, Backspace takes back a character, Ctrl-C cancels, Ctrl-D on an
 * empty line cancels.
 */
/** What a prompt needs of the terminal's input: a TTY's stream in Node (`process.stdin`). */
export interface TerminalInput {
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface TerminalOutput {
  write(text: string): unknown;
}

const ENTER = new Set(['\r', '\n']);
const BACKSPACE = new Set(['\x7f', '\b']);
const CTRL_C = '\x03';
const CTRL_D = '\x04';

/**
 * Reads one line after writing `prompt`; with `secret`, echo is off and Enter prints a newline.
 * Ctrl-C (a key, not a signal, in raw mode) calls `interrupt` (the CLI raises SIGINT, which ends
 * the process as any Ctrl-C does) and the promise fails.
 */
export function promptLine(input: TerminalInput, output: TerminalOutput, prompt: string, secret: boolean, interrupt?: () => void): Promise<string> {
  output.write(prompt);
  const raw = secret && input.setRawMode !== undefined;
  if (raw) input.setRawMode!(true);
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      if (raw) input.setRawMode!(false);
      input.pause();
      if (secret) output.write('\n');
      if (error === undefined) resolve(line);
      else reject(error);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ENTER.has(ch)) return finish();
        if (ch === CTRL_C || (ch === CTRL_D && line === '')) {
          finish(new Error('cancelled at the prompt'));
          if (ch === CTRL_C) interrupt?.();
          return;
        }
        if (BACKSPACE.has(ch)) line = [...line].slice(0, -1).join('');
        else if (ch >= ' ' || ch === '\t') line += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
