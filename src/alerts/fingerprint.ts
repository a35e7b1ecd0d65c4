/**
 * Alertmanager's alert fingerprint, for alerts that arrive without one (curl bodies).
 * Same algorithm as prometheus/common `model.LabelSet.Fingerprint()`: FNV-1a 64 over
 * the label names in byte order, each name and value followed by the 0xff separator,
 * printed as 16 lowercase hex digits. Equal label sets give equal fingerprints, so a
 * hand-sent alert and Alertmanager's copy of it dedup against each other.
 */

const OFFSET64 = 14695981039346656037n;
const PRIME64 = 1099511628211n;
const MASK64 = (1n << 64n) - 1n;
const SEPARATOR = 0xff;

function addBytes(hash: bigint, bytes: Uint8Array): bigint {
  let h = hash;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * PRIME64) & MASK64;
  }
  return h;
}

/** The 64-bit label-set signature as a bigint (exported for the table tests). */
export function labelSignature(labels: Readonly<Record<string, string>>): bigint {
  const names = Object.keys(labels).map((n) => Buffer.from(n, 'utf8'));
  // Go sorts label names as strings, which compares bytes; so does Buffer.compare.
  names.sort((a, b) => Buffer.compare(a, b));
  const sep = Uint8Array.of(SEPARATOR);
  let h = OFFSET64;
  for (const name of names) {
    h = addBytes(h, name);
    h = addBytes(h, sep);
    h = addBytes(h, Buffer.from(labels[name.toString('utf8')] ?? '', 'utf8'));
    h = addBytes(h, sep);
  }
  return h;
}

/** The fingerprint Alertmanager would give an alert with these labels, e.g. `507a62d79ee76c9a`. */
export function fingerprintOf(labels: Readonly<Record<string, string>>): string {
  return labelSignature(labels).toString(16).padStart(16, '0');
}
