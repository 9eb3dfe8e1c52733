/**
 * Percentage rollout by a stable key: the same caller always lands in the same bucket, so a user does not
 * flicker between old and new behaviour across calls or instances. The flag name is part of the hash so
 * that the 10% who get one flag are not the same 10% who get every flag.
 */
export function bucketOf(flag: string, key: string): number {
  // FNV-1a, 32 bit: tiny, fast, well spread for short strings, identical in every process.
  let hash = 0x811c9dc5;
  const input = `${flag}\u0000${key}`;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 100;
}
