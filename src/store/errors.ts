// The store's own error checks, one home each.

/** True for a unique-index violation (E11000), the store's way of saying "already there". */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}
