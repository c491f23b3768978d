/** File types from their first bytes, never from a client's file name. */

export type InputKind = 'image' | 'video' | 'template';

export interface SniffedType {
  readonly kind: InputKind;
  /** Extension used on disk (the decoders pick formats by content; templates by .json). */
  readonly ext: string;
  readonly mime: string;
}

const ascii = (b: Buffer, start: number, end: number): string => b.subarray(start, end).toString('latin1');

/** Recognises PNG, JPEG, WebP, BMP, MP4/MOV, Matroska/WebM, AVI, MPEG-TS and JSON (motion templates). */
export function sniffType(head: Buffer): SniffedType | undefined {
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47) return { kind: 'image', ext: 'png', mime: 'image/png' };
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { kind: 'image', ext: 'jpg', mime: 'image/jpeg' };
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { kind: 'image', ext: 'webp', mime: 'image/webp' };
  if (head.length >= 2 && ascii(head, 0, 2) === 'BM') return { kind: 'image', ext: 'bmp', mime: 'image/bmp' };
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand.startsWith('avi') || brand.startsWith('hei') || brand.startsWith('mif')) return undefined;
    return brand === 'qt  ' ? { kind: 'video', ext: 'mov', mime: 'video/quicktime' } : { kind: 'video', ext: 'mp4', mime: 'video/mp4' };
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return { kind: 'video', ext: 'mkv', mime: 'video/x-matroska' };
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'AVI ') return { kind: 'video', ext: 'avi', mime: 'video/x-msvideo' };
  if (head.length >= 377 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47) return { kind: 'video', ext: 'ts', mime: 'video/mp2t' };
  const text = ascii(head, 0, Math.min(head.length, 64)).trimStart();
  if (text.startsWith('{')) return { kind: 'template', ext: 'json', mime: 'application/json' };
  return undefined;
}
