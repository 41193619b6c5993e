import { createHash } from 'node:crypto';
import path from 'node:path';
import { unzipSync } from 'fflate';

/** `SHA256SUMS` lines `<64 hex>  <filename>` (a `*` before the name marks binary mode) → name → hash. */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(\S.*?)\s*$/.exec(line);
    if (m) sums.set(m[2]!, m[1]!.toLowerCase());
  }
  return sums;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Unzips only the entry named `binary` (at any depth; `.exe` accepted) from an already verified
 * archive. Throws when the archive is unreadable or holds no such entry, or more than one.
 */
export function extractBinary(zip: Uint8Array, binary: string, archiveName: string): Uint8Array {
  const wanted = new Set([binary, `${binary}.exe`]);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, { filter: (f) => wanted.has(path.posix.basename(f.name)) });
  } catch (e) {
    throw new Error(`${archiveName} is not a readable zip archive (${(e as Error).message})`);
  }
  const entries = Object.values(files);
  if (entries.length !== 1) {
    throw new Error(`${archiveName} holds ${entries.length} entries named ${binary}, expected exactly one`);
  }
  return entries[0]!;
}
