/**
 * The hash tag of a Redis key, or undefined: Redis Cluster hashes only what
 * stands between the first `{` and the next `}`, if that is not empty, so
 * keys with one tag share a slot and one script may touch them all.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}
