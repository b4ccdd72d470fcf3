/**
 * Every kernel module declares its imported memory `shared` (so the kernel pool's workers can run
 * it on the one SharedArrayBuffer). A shared memory import cannot be satisfied by an ordinary
 * memory, so where SharedArrayBuffer is missing (a browser page without cross-origin isolation)
 * the modules are compiled from a copy of their bytes with that one flag cleared.
 *
 * Binary format (WebAssembly core spec §5.5): after the 8-byte header come sections
 * (id byte, LEB128 size, payload). The import section (id 2) is a vector of
 * (module name, field name, kind, description); a memory import (kind 2) is described by its
 * limits flag — 0x00 min, 0x01 min+max, 0x03 min+max+shared — followed by LEB128 min and max.
 */

/** Reads an unsigned LEB128 at bytes[pos]; returns [value, next position]. */
function leb(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0, shift = 0, b: number;
  do {
    b = bytes[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, pos];
}

/** A copy of `bytes` whose memory imports are not shared (the bytes themselves if none is). */
export function unshareMemoryImports(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let pos = 8;
  while (pos < out.length) {
    const id = out[pos]!;
    const [size, payload] = leb(out, pos + 1);
    if (id === 2) {
      let [count, p] = leb(out, payload);
      for (; count > 0; count--) {
        let len: number;
        [len, p] = leb(out, p); // module name
        p += len;
        [len, p] = leb(out, p); // field name
        p += len;
        const kind = out[p++]!;
        if (kind === 0) [, p] = leb(out, p); // function: type index
        else if (kind === 1) { p++; p = skipLimits(out, p); } // table: reftype, limits
        else if (kind === 2) { if (out[p] === 0x03) out[p] = 0x01; p = skipLimits(out, p); } // memory
        else if (kind === 3) p += 2; // global: valtype, mutability
        else throw new Error(`unshareMemoryImports: import kind ${kind} not supported`);
      }
    }
    pos = payload + size;
  }
  return out;
}

function skipLimits(bytes: Uint8Array, p: number): number {
  const flag = bytes[p++]!;
  [, p] = leb(bytes, p);
  if (flag & 1) [, p] = leb(bytes, p);
  return p;
}
