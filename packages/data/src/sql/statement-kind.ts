/**
 * Whether a statement only reads, so a read/write split may send it to a replica. Deliberately conservative:
 * anything not clearly a read is a write, because a write sent to a replica fails while a read sent to the
 * primary merely costs the primary a little.
 */
export function isReadStatement(sql: string): boolean {
  const head = firstKeyword(sql);
  if (head === 'select') return !LOCKING_OR_WRITING.test(sql);
  if (head === 'with') return !WRITING_CTE.test(sql) && !LOCKING_OR_WRITING.test(sql);
  return head === 'show' || head === 'explain' || head === 'values';
}

// SELECT ... FOR UPDATE / FOR SHARE takes row locks, and SELECT ... INTO creates a table: both need the primary.
// `nextval(` advances a sequence.
const LOCKING_OR_WRITING = /\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b|\binto\b|\bnextval\s*\(/i;
const WRITING_CTE = /\b(insert|update|delete|merge)\b/i;

function firstKeyword(sql: string): string {
  let i = 0;
  // Skip whitespace, comments and opening parentheses: `(SELECT ...) UNION (...)` is a read.
  for (;;) {
    while (i < sql.length && (sql.charCodeAt(i) <= 32 || sql[i] === '(')) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else break;
  }
  let j = i;
  while (j < sql.length && /[A-Za-z]/.test(sql[j] as string)) j++;
  return sql.slice(i, j).toLowerCase();
}
