/**
 * Appends `from` to `to` and returns `to`.
 * NOTE: `to.push(...from)` passes every element as an argument and overflows the stack past
 * ~10^5 elements (a 3x10^5-label training split did); this loop has no such limit.
 */
export function pushAll<T>(to: T[], from: Iterable<T>): T[] {
  for (const x of from) to.push(x);
  return to;
}
