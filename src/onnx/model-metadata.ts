/**
 * Reads an ONNX model's metadata properties and doc string without decoding the graph: the top-level
 * protobuf fields are walked and length-delimited ones other than the wanted fields are skipped, so this
 * costs the same for a 400 MB model as for a 4 kB one. Pure (no I/O).
 */

const FIELD_DOC_STRING = 6;
const FIELD_METADATA_PROPS = 14;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

class Reader {
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.offset = start;
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  /** A varint as a JS number (exact up to 2^53; model sizes are below 2^31). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new RangeError('truncated varint');
      const b = this.bytes[this.offset++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new RangeError('varint too long');
  }

  /** Skips a field's payload of the given wire type; returns [start, end) for length-delimited ones. */
  payload(wireType: number): [number, number] | undefined {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return undefined;
      case WIRE_FIXED64:
        this.offset += 8;
        return undefined;
      case WIRE_FIXED32:
        this.offset += 4;
        return undefined;
      case WIRE_LENGTH: {
        const length = this.varint();
        const start = this.offset;
        this.offset += length;
        if (this.offset > this.end) throw new RangeError('truncated field');
        return [start, this.offset];
      }
      default:
        throw new RangeError(`unsupported wire type ${wireType}`);
    }
  }
}

export interface ModelHeaderInfo {
  readonly metadata: Record<string, string>;
  readonly docString: string;
}

/** Metadata properties and doc string of an ONNX model; throws RangeError on bytes that are not a protobuf. */
export function readModelHeaderInfo(bytes: Uint8Array): ModelHeaderInfo {
  const info = emptyInfo();
  const top = new Reader(bytes);
  while (!top.done) {
    const tag = top.varint();
    const span = top.payload(tag & 7);
    if (span) addField(info, Math.floor(tag / 8), bytes.subarray(span[0], span[1]));
  }
  return info;
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** How much is read at a time when walking a file's top-level fields (tags, metadata entries). */
const WINDOW = 64 * 1024;

/**
 * The same as `readModelHeaderInfo` for a model of `size` bytes read through `readAt` (e.g. a file
 * handle): only the tags and the wanted fields are read; the graph's bytes are skipped, never loaded.
 */
export async function readModelHeaderInfoAt(readAt: ReadAt, size: number): Promise<ModelHeaderInfo> {
  const info = emptyInfo();
  let offset = 0;
  while (offset < size) {
    const head = await readAt(offset, Math.min(16, size - offset));
    const r = new Reader(head);
    const tag = r.varint();
    const wire = tag & 7;
    if (wire !== WIRE_LENGTH) {
      r.payload(wire);
      offset += r.offset;
      continue;
    }
    const length = r.varint();
    const start = offset + r.offset;
    if (start + length > size) throw new RangeError('truncated field');
    const field = Math.floor(tag / 8);
    if ((field === FIELD_DOC_STRING || field === FIELD_METADATA_PROPS) && length <= WINDOW * 16) addField(info, field, await readAt(start, length));
    offset = start + length;
  }
  return info;
}

function emptyInfo(): { metadata: Record<string, string>; docString: string } {
  return { metadata: {}, docString: '' };
}

/** Records a top-level field's payload when it is the doc string or a metadata entry. */
function addField(info: { metadata: Record<string, string>; docString: string }, field: number, payload: Uint8Array): void {
  const decoder = new TextDecoder();
  if (field === FIELD_DOC_STRING) info.docString = decoder.decode(payload);
  if (field !== FIELD_METADATA_PROPS) return;
  const entry = new Reader(payload);
  let key = '';
  let value = '';
  while (!entry.done) {
    const entryTag = entry.varint();
    const s = entry.payload(entryTag & 7);
    if (!s) continue;
    if (entryTag >>> 3 === 1) key = decoder.decode(payload.subarray(s[0], s[1]));
    if (entryTag >>> 3 === 2) value = decoder.decode(payload.subarray(s[0], s[1]));
  }
  info.metadata[key] = value;
}
