/**
 * A PostgreSQL WAL position (`pg_lsn`, written `16/B374D848`) as a bigint, so positions compare with `<`.
 * Null (a primary asked for its replay position, or no WAL yet) becomes undefined.
 */
export function parseLsn(text: unknown): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text);
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}
