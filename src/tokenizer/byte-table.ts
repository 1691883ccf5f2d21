/**
 * The bytes each token id stands for, so the decode loop can append a token's text to a row without
 * decoding the whole row again (and without allocating a string per token).
 *
 * Three vocabulary conventions cover the Hugging Face decoders in use:
 * - byte-fallback tokens `<0xNN>` (Llama, Mistral, the shipped model) are the byte NN;
 * - byte-level BPE (GPT-2, Qwen, Llama 3) writes every byte as a printable character, mapped back here;
 * - SentencePiece's `▁` is a space.
 */
export function buildByteTable(
  tokens: readonly (string | undefined)[],
  options: { byteLevel: boolean; byteFallback: boolean; metaspace: boolean; special: ReadonlySet<number> },
): Uint8Array[] {
  const encoder = new TextEncoder();
  const unicodeToByte = options.byteLevel ? byteLevelDecoder() : undefined;
  const table: Uint8Array[] = [];
  const empty = new Uint8Array(0);
  for (let id = 0; id < tokens.length; id++) {
    const token = tokens[id];
    if (token === undefined || options.special.has(id)) {
      table.push(empty);
      continue;
    }
    const byte = options.byteFallback ? /^<0x([0-9A-Fa-f]{2})>$/.exec(token) : null;
    if (byte) {
      table.push(Uint8Array.of(Number.parseInt(byte[1]!, 16)));
    } else if (unicodeToByte) {
      const bytes: number[] = [];
      for (const ch of token) {
        const b = unicodeToByte.get(ch);
        if (b === undefined) bytes.push(...encoder.encode(ch));
        else bytes.push(b);
      }
      table.push(Uint8Array.from(bytes));
    } else {
      table.push(encoder.encode(options.metaspace ? token.replaceAll("\u2581", " ") : token));
    }
  }
  return table;
}

// GPT-2's bytes_to_unicode, inverted: printable bytes stand for themselves, the rest are shifted to 256+
function byteLevelDecoder(): Map<string, number> {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Map<string, number>();
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (printable.includes(b)) map.set(String.fromCodePoint(b), b);
    else map.set(String.fromCodePoint(256 + shifted++), b);
  }
  return map;
}
