/**
 * MurmurHash3 x86 32-bit, seed 0 by default, over the UTF-8 bytes of `text + suffix` — the hash
 * flagd (Go) uses for `fractional`. ASCII input (the common case) is hashed straight from the
 * string; anything else is first encoded into a reusable scratch buffer. Either way nothing is
 * allocated, and the two parts are never concatenated. Lone surrogates become U+FFFD, as
 * TextEncoder and Go's []byte(string) do.
 */
export function murmur3Utf8(text: string, seed = 0, suffix = ''): number {
  const ascii = hashAscii(text, suffix, seed);
  return ascii >= 0 ? ascii : hashBytes(encodeUtf8(suffix ? text + suffix : text), seed);
}

/** The hash of `a + b` when both are ASCII, else -1. */
function hashAscii(a: string, b: string, seed: number): number {
  let h = seed | 0;
  let k = 0;
  let filled = 0;
  for (let part = 0; part < 2; part++) {
    const s = part === 0 ? a : b;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return -1;
      k |= c << (filled << 3);
      if (++filled === 4) {
        h = mixH(h, k);
        k = 0;
        filled = 0;
      }
    }
  }
  if (filled > 0) h ^= mixK(k);
  return finish(h, a.length + b.length);
}

function hashBytes(length: number, seed: number): number {
  const bytes = scratch;
  let h = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    h = mixH(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = bytes[blocks]!;
    if (tail > 1) k ^= bytes[blocks + 1]! << 8;
    if (tail > 2) k ^= bytes[blocks + 2]! << 16;
    h ^= mixK(k);
  }
  return finish(h, length);
}

function mixH(h: number, k: number): number {
  let x = h ^ mixK(k);
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function finish(hash: number, length: number): number {
  let h = hash ^ length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

let scratch = new Uint8Array(256);

/** Writes the UTF-8 form of `text` into `scratch` (growing it when needed); returns the byte count. */
function encodeUtf8(text: string): number {
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const out = scratch;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[n++] = 0xf0 | (c >> 18);
          out[n++] = 0x80 | ((c >> 12) & 0x3f);
          out[n++] = 0x80 | ((c >> 6) & 0x3f);
          out[n++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // unpaired surrogate
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

function mixK(k: number): number {
  let x = Math.imul(k, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  return Math.imul(x, 0x1b873593);
}

/**
 * flagd's high-precision bucket: `(hash * totalWeight) >> 32`, computed without BigInt. The hash is
 * split into 16-bit halves so every intermediate product stays below 2^53.
 */
export function bucketOf(hash: number, totalWeight: number): number {
  const hi = hash >>> 16;
  const lo = hash & 0xffff;
  const low = Math.floor((lo * totalWeight) / 0x10000);
  return Math.floor((hi * totalWeight + low) / 0x10000);
}

/**
 * The legacy feature service's string hash (the spec's phase 4, section 3.1): Java-style `hash * 31 + code` over
 * UTF-16 code units, kept to 32 bits, then made non-negative with Math.abs (so -2^31 stays 2^31).
 */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) {
    hash = ((hash << 5) - hash + text.charCodeAt(i)) | 0;
  }
  return Math.abs(hash);
}
