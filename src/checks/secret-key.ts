// "The Secret holds the key", written once: install's preflight (the Secret the user names for an
// external database) and doctor's database-secret check (the Secret the pods read) both ask it.

/** The first of `keys` the Secret holds (its data, or its key names), or undefined. */
export function heldKey(
  data: Readonly<Record<string, unknown>> | readonly string[],
  keys: readonly string[],
): string | undefined {
  const held = Array.isArray(data) ? data : Object.keys(data);
  return keys.find((k) => held.includes(k));
}

/** The keys a Secret has, for a message: "a, b", or "no keys". */
export function secretKeysLine(keys: readonly string[]): string {
  return keys.join(', ') || 'no keys';
}
