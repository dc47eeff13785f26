/** Crockford base32 (no padding), the alphabet of every token Ringfence shows a human. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const DECODE_MAP: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (let i = 0; i < CROCKFORD_ALPHABET.length; i++) {
    const upper = CROCKFORD_ALPHABET.charAt(i);
    map.set(upper, i);
    map.set(upper.toLowerCase(), i);
  }
  // Crockford's decoding aliases: O→0, I/L→1, so a misread character still decodes.
  for (const [alias, value] of [
    ['O', 0],
    ['I', 1],
    ['L', 1],
  ] as const) {
    map.set(alias, value);
    map.set(alias.toLowerCase(), value);
  }
  return map;
})();

export function encodeCrockford(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD_ALPHABET.charAt((buffer >>> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += CROCKFORD_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/** Decodes Crockford base32; throws on any character outside the alphabet and its aliases. */
export function decodeCrockford(text: string): Buffer {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = DECODE_MAP.get(char);
    if (value === undefined) throw new Error('not Crockford base32');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}
