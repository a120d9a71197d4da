/**
 * What a ZIP archive (a .docx) would unpack to, read from its central directory before anything is
 * inflated: a ZIP bomb (a 1 MB file whose numbering.xml inflates to 1 GB) is refused by its declared
 * sizes. Sizes can lie; the child process that reads uploads has a heap limit for those (bot/report-child.ts).
 */

/** The most all parts together may unpack to. */
export const MAX_UNZIPPED_BYTES = 256 * 1024 * 1024;
/** The most one part other than a picture may unpack to (a 300-page report's document.xml is ~10 MB). */
export const MAX_PART_BYTES = 32 * 1024 * 1024;
/** Parts larger than this (unpacked) must not be more than MAX_RATIO times their packed size. */
const RATIO_FROM_BYTES = 1024 * 1024;
export const MAX_RATIO = 200;

/** Pictures are never inflated by the reader (see docx.ts), so only the total counts for them. */
const isPicture = (name: string) => /^word\/media\//.test(name);

/** Why this archive must not be unpacked, or null when its declared sizes are within the bounds. */
export function zipBoundsProblem(buf: Buffer): string | null {
  // End of central directory: 22 bytes plus a comment of at most 65,535, at the end of the file.
  const from = Math.max(0, buf.length - 22 - 65535);
  let eocd = -1;
  for (let i = buf.length - 22; i >= from; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null; // not a ZIP as far as this goes: the reader says what is wrong with it
  const entries = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  let total = 0;
  for (let n = 0; n < entries && offset + 46 <= buf.length; n++) {
    if (buf.readUInt32LE(offset) !== 0x02014b50) break;
    const packed = buf.readUInt32LE(offset + 20);
    const unpacked = buf.readUInt32LE(offset + 24);
    const nameLength = buf.readUInt16LE(offset + 28);
    const name = buf.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (unpacked === 0xffffffff || packed === 0xffffffff) return `${name} inside it is larger than 4 GB unpacked`;
    total += unpacked;
    if (total > MAX_UNZIPPED_BYTES) return `it unpacks to more than ${MAX_UNZIPPED_BYTES / 1024 / 1024} MB`;
    if (!isPicture(name) && unpacked > MAX_PART_BYTES) return `${name} inside it unpacks to ${Math.round(unpacked / 1024 / 1024)} MB (at most ${MAX_PART_BYTES / 1024 / 1024} MB)`;
    if (unpacked > RATIO_FROM_BYTES && unpacked > MAX_RATIO * Math.max(packed, 1)) return `${name} inside it unpacks to ${Math.round(unpacked / Math.max(packed, 1))} times its size (a ZIP bomb?)`;
    offset += 46 + nameLength + buf.readUInt16LE(offset + 30) + buf.readUInt16LE(offset + 32);
  }
  return null;
}
