/** CPU quantity ('250m', '1.5') in millicores. */
export function millicores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

const MEBIBYTES_PER_UNIT: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024 };

/** Memory quantity ('512Mi', '2Gi') in MiB. */
export function mebibytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`Expected a memory quantity such as '512Mi', got '${quantity}'`);
  return Number(match[1]) * MEBIBYTES_PER_UNIT[match[2]];
}
