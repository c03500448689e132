// Structural pre-scan of untrusted CBOR before cbor-x sees it. It walks the item heads without
// allocating and accepts only the subset a CaptureChunk needs: definite-length maps with short
// text keys, arrays, byte and text strings, integers, floats, true/false/null, and the RFC 8746
// little-endian typed-array tags. Everything else is refused, in particular cbor-x's tag 27
// (generic object: builds an Error or a RegExp from attacker text), record/structure tags, indefinite
// lengths, declared lengths beyond the input and nesting deeper than the limit.
import { BundleError } from './bundle-error.ts';

/** RFC 8746 tag -> element size: uint8, uint16 LE, uint32 LE, float32 LE. */
const TYPED_ARRAY_TAGS = new Map<number, number>([[64, 1], [69, 2], [70, 4], [85, 4]]);
const MAX_KEY_BYTES = 64;

function malformed(message: string, offset: number): BundleError {
  return new BundleError('bundle_malformed', `${message} at byte ${offset}`);
}

export function prescanCbor(bytes: Uint8Array, maxDepth: number): void {
  const len = bytes.length;
  if (len === 0) throw malformed('empty input', 0);
  // Per open container: items still expected, and whether it is a map (keys at even positions).
  const remaining: number[] = [1];
  const isMap: boolean[] = [false];
  const total: number[] = [1];
  let pos = 0;
  let tagElementSize = 0; // > 0 right after an accepted typed-array tag

  while (remaining.length > 0) {
    if (pos >= len) throw malformed('truncated input', pos);
    const start = pos;
    const initial = bytes[pos++];
    const major = initial >> 5;
    const info = initial & 31;
    let arg: number;
    if (info < 24) arg = info;
    else if (info <= 27) {
      const size = 1 << (info - 24);
      if (pos + size > len) throw malformed('truncated head', start);
      if (info === 27) {
        // A 64-bit argument: only small values are meaningful here.
        const high = ((bytes[pos] << 24) | (bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3]) >>> 0;
        if (high !== 0 && major !== 0 && major !== 1 && major !== 7) throw malformed('declared length too large', start);
        arg = high * 2 ** 32 + (((bytes[pos + 4] << 24) | (bytes[pos + 5] << 16) | (bytes[pos + 6] << 8) | bytes[pos + 7]) >>> 0);
      } else {
        arg = 0;
        for (let i = 0; i < size; i++) arg = arg * 256 + bytes[pos + i];
      }
      pos += size;
    } else {
      throw malformed(info === 31 ? 'indefinite length not accepted' : 'reserved additional information', start);
    }

    const depth = remaining.length - 1;
    const top = remaining.length - 1;
    const keyPosition = isMap[top] && (total[top] - remaining[top]) % 2 === 0;
    if (keyPosition && major !== 3) throw malformed('map key must be a text string', start);
    if (tagElementSize > 0 && major !== 2) throw malformed('typed-array tag must wrap a byte string', start);

    let opened = -1; // item count of a container opened by this head
    switch (major) {
      case 0:
      case 1:
        break;
      case 2:
      case 3:
        if (arg > len - pos) throw malformed('declared length beyond input', start);
        if (keyPosition && arg > MAX_KEY_BYTES) throw malformed('map key too long', start);
        if (tagElementSize > 0 && arg % tagElementSize !== 0) throw malformed('typed array length not a multiple of its element size', start);
        tagElementSize = 0;
        pos += arg;
        break;
      case 4:
      case 5: {
        const items = major === 5 ? arg * 2 : arg;
        // Every item takes at least one byte: a count beyond the rest of the input is a lie.
        if (items > len - pos) throw malformed('declared item count beyond input', start);
        if (depth + 1 > maxDepth) throw malformed('nesting too deep', start);
        opened = items;
        break;
      }
      case 6: {
        const size = TYPED_ARRAY_TAGS.get(arg);
        if (size === undefined) throw malformed(`tag ${arg} not accepted`, start);
        if (tagElementSize > 0) throw malformed('nested tags not accepted', start);
        tagElementSize = size;
        continue; // the tagged item fills the slot
      }
      default: // 7: simple values and floats
        if (info === 25 || info === 26 || info === 27) break;
        if (info === 20 || info === 21 || info === 22) break;
        throw malformed('simple value not accepted', start);
    }

    if (opened > 0) {
      remaining.push(opened);
      isMap.push(major === 5);
      total.push(opened);
      continue;
    }
    // The item is complete: close every container it completes.
    remaining[remaining.length - 1]--;
    while (remaining.length > 0 && remaining[remaining.length - 1] === 0) {
      remaining.pop();
      isMap.pop();
      total.pop();
      if (remaining.length > 0) remaining[remaining.length - 1]--;
    }
  }
  if (pos !== len) throw malformed('trailing bytes after the chunk', pos);
}
