/**
 * GPT-2's bytes_to_unicode: each of the 256 byte values gets a printable character, so a
 * byte-level BPE vocabulary can be stored as ordinary strings. Printable Latin-1 bytes map to
 * themselves; the other 68 (controls, space, 0x7F–0xA0, 0xAD) go to U+0100 onwards in byte
 * order, which is why a leading space shows up as "Ġ" (U+0120) in GPT-2 vocabularies.
 */

function build(): { toChar: string[]; toByte: Map<string, number> } {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const toChar = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) toChar[b] = String.fromCharCode(printable(b) ? b : next++);
  const toByte = new Map(toChar.map((c, b) => [c, b] as [string, number]));
  return { toChar, toByte };
}

export const BYTE_LEVEL = build();

const utf8 = new TextEncoder();

/** UTF-8 bytes of `text`, each shown as its bytes_to_unicode character. */
export function toByteLevel(text: string): string {
  let out = "";
  for (const b of utf8.encode(text)) out += BYTE_LEVEL.toChar[b];
  return out;
}
