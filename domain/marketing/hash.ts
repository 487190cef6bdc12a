/**
 * Stable bucketing for hold-outs, variants and experiments: FNV-1a over the UTF-16 code units, so
 * the same key lands in the same bucket in every process, in workflows as in activities.
 */
export function stableHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // One more avalanche round, so keys differing only in their last characters spread evenly.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}

/** A number in [0, 1) fixed by the key. */
export function unitInterval(key: string): number {
  return stableHash(key) / 0x1_0000_0000;
}

/** Picks one of the weighted options by the key's bucket; weights need not sum to one. */
export function pickWeighted<T extends { weight: number }>(key: string, options: readonly T[]): T {
  const total = options.reduce((sum, o) => sum + o.weight, 0);
  let point = unitInterval(key) * total;
  for (const option of options) {
    point -= option.weight;
    if (point < 0) return option;
  }
  return options[options.length - 1]!;
}
