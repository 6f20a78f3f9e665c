/**
 * Variable substitution in instructions other than RUN (Dockerfile reference, "Environment
 * replacement"): `$NAME`, `${NAME}`, `${NAME:-word}` and `${NAME:+word}`; the escape character
 * before `$` keeps it literal. RUN is left to the shell, which sees the same values in its
 * environment.
 */
export function expand(text: string, vars: ReadonlyMap<string, string>, escape = '\\'): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && text[i + 1] === '$') {
      out += '$';
      i++;
    } else if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) {
        out += text.slice(i);
        break;
      }
      const body = text.slice(i + 2, end);
      const m = /^(\w+)(?::([-+])(.*))?$/s.exec(body);
      if (m === null) out += text.slice(i, end + 1);
      else {
        const value = vars.get(m[1]!);
        if (m[2] === '-') out += value === undefined || value === '' ? expand(m[3]!, vars, escape) : value;
        else if (m[2] === '+') out += value === undefined || value === '' ? '' : expand(m[3]!, vars, escape);
        else out += value ?? '';
      }
      i = end;
    } else if (c === '$' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      const m = /^\w+/.exec(text.slice(i + 1))!;
      out += vars.get(m[0]) ?? '';
      i += m[0].length;
    } else {
      out += c;
    }
  }
  return out;
}
