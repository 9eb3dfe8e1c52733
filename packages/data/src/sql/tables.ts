/**
 * The table names a statement references: those after FROM, JOIN, INTO, UPDATE, TABLE and in comma-separated
 * FROM lists. Not a parser: it errs towards finding too many names (a column called like a table in a FROM list
 * is unlikely), which for the business split means a false CROSS_DATASOURCE rather than a silent wrong query.
 * Names are lower-cased, without schema or quotes.
 */
export function referencedTables(sql: string): Set<string> {
  const text = stripLiterals(sql);
  const found = new Set<string>();
  const keyword =
    /\b(from|join|into|update|table|using)\s+((?:only\s+)?[\w."`]+(?:\s*(?:as\s+)?\w+)?(?:\s*,\s*[\w."`]+(?:\s*(?:as\s+)?\w+)?)*)/gi;
  for (const match of text.matchAll(keyword)) {
    const list = match[2] as string;
    for (const part of list.split(',')) {
      const name = part
        .trim()
        .replace(/^only\s+/i, '')
        .split(/\s+/)[0];
      if (!name || name.startsWith('(')) continue;
      const bare = name.replace(/["`]/g, '').split('.').pop()?.toLowerCase();
      if (bare && !KEYWORDS.has(bare)) found.add(bare);
    }
  }
  return found;
}

const KEYWORDS = new Set(['select', 'lateral', 'exists', 'not', 'if', 'where', 'set', 'values', 'default']);

function stripLiterals(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ');
}
