/**
 * Whether a statement only reads, so a read/write split may send it to a replica. Deliberately conservative:
 * anything not clearly a read is a write, because a write sent to a replica fails while a read sent to the
 * primary merely costs the primary a little.
 */
export function isReadStatement(sql: string): boolean {
  // Memoised per SQL text: an app sends a bounded set of statements, and this runs on every routed read.
  let read = cache.get(sql);
  if (read === undefined) {
    read = classify(sql);
    if (cache.size >= 2000) cache.clear();
    cache.set(sql, read);
  }
  return read;
}

const cache = new Map<string, boolean>();

function classify(sql: string): boolean {
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
  while (j < sql.length && isLetter(sql.charCodeAt(j))) j++;
  return sql.slice(i, j).toLowerCase();
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
