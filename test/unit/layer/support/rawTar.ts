/**
 * Hand-made tars, for what the writer would refuse to produce: hostile names, malformed PAX
 * records, sparse type flags, declared sizes without the data behind them.
 */
const encoder = new TextEncoder();

export interface RawMember {
  name: string;
  /** Type flag character; `0` (regular file) by default. */
  type?: string;
  mode?: number;
  linkname?: string;
  data?: string | Uint8Array;
  /** Header size, when it should differ from the data's length. */
  size?: number;
  /** PAX records written as an `x` member before this one, given as raw bytes or key/values. */
  pax?: Uint8Array | Record<string, string>;
}

/** The 512-byte USTAR header of a member (size in base-256 when it does not fit octal). */
export function rawHeader(m: Omit<RawMember, 'data' | 'pax'> & { size: number }): Uint8Array {
  const header = new Uint8Array(512);
  const put = (at: number, s: string): void => header.set(encoder.encode(s), at);
  put(0, m.name);
  put(100, (m.mode ?? 0o644).toString(8).padStart(7, '0'));
  put(108, '0000000');
  put(116, '0000000');
  if (m.size < 8 ** 11) put(124, m.size.toString(8).padStart(11, '0'));
  else {
    // GNU base-256: the high bit of the first byte set, big-endian in the rest.
    header[124] = 0x80;
    let rest = BigInt(m.size);
    for (let i = 135; i > 124; i--) {
      header[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
  }
  put(136, '00000000000');
  put(156, m.type ?? '0');
  if (m.linkname !== undefined) put(157, m.linkname);
  put(257, 'ustar\u000000');
  header.fill(0x20, 148, 156);
  const sum = header.reduce((s, b) => s + b, 0);
  put(148, sum.toString(8).padStart(6, '0') + '\u0000 ');
  return header;
}

/** PAX records `"<len> <key>=<value>\n"`, each with its correct length prefix. */
export function paxRecords(records: Record<string, string>): Uint8Array {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const bodyLength = encoder.encode(body).length;
    let length = bodyLength + String(bodyLength).length;
    if (String(length).length !== String(bodyLength).length) length = bodyLength + String(length).length;
    text += `${length}${body}`;
  }
  return encoder.encode(text);
}

/** A member's data, zero-padded to whole blocks. */
function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** The blocks of the members, without the end-of-archive marker. */
export function rawMembers(members: RawMember[]): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  for (const m of members) {
    if (m.pax !== undefined) {
      const pax = m.pax instanceof Uint8Array ? m.pax : paxRecords(m.pax);
      blocks.push(rawHeader({ name: 'PaxHeader', type: 'x', size: pax.length }), padded(pax));
    }
    const data = typeof m.data === 'string' ? encoder.encode(m.data) : (m.data ?? new Uint8Array(0));
    blocks.push(rawHeader({ ...m, size: m.size ?? data.length }), padded(data));
  }
  return blocks;
}

/** A whole tar: the members and the two zero blocks that end it. */
export function rawTar(members: RawMember[]): Uint8Array {
  const blocks = [...rawMembers(members), new Uint8Array(1024)];
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
