/**
 * A small semver range matcher, enough for service versions: exact (`1.2.3`), wildcards (`*`, `1.x`, `1.2`),
 * caret (`^1.2.3`), tilde (`~1.2.3`), comparators (`>=1.2.0 <2`) and alternatives (`1.x || 3.x`).
 * As in npm, a pre-release version (`2.0.0-rc.1`) only satisfies a range that names a pre-release of the same
 * major.minor.patch, so a consumer of `^2.0.0` never lands on a release candidate by accident.
 */

interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly pre: readonly string[];
}

type Op = '<' | '<=' | '>' | '>=' | '=';
interface Comparator {
  readonly op: Op;
  readonly v: Version;
}

export interface SemverRange {
  readonly raw: string;
  test(version: string): boolean;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split('.') : [] };
}

export function compareVersions(a: Version, b: Version): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length; // release > pre-release
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Parses a range; undefined when it is not one (the caller turns that into CONFIG_INVALID). */
export function parseRange(raw: string): SemverRange | undefined {
  const sets: Comparator[][] = [];
  for (const alternative of raw.split('||')) {
    const set: Comparator[] = [];
    // `>= 1.2` is written with a space sometimes: glue operators to their version first.
    const parts = alternative
      .trim()
      .replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    for (const part of parts) {
      const comparators = expand(part);
      if (!comparators) return undefined;
      set.push(...comparators);
    }
    sets.push(set);
  }
  return {
    raw,
    test(version: string): boolean {
      const v = parseVersion(version);
      return v !== undefined && sets.some((set) => satisfiesAll(v, set));
    },
  };
}

function satisfiesAll(v: Version, set: readonly Comparator[]): boolean {
  for (const c of set) {
    const d = compareVersions(v, c.v);
    const ok = c.op === '<' ? d < 0 : c.op === '<=' ? d <= 0 : c.op === '>' ? d > 0 : c.op === '>=' ? d >= 0 : d === 0;
    if (!ok) return false;
  }
  if (v.pre.length === 0) return true;
  return set.some((c) => c.v.pre.length > 0 && c.v.major === v.major && c.v.minor === v.minor && c.v.patch === v.patch);
}

function expand(part: string): Comparator[] | undefined {
  const m = /^(<=|>=|<|>|=|\^|~)?(.*)$/.exec(part)!;
  const op = m[1] ?? '';
  const p = PARTIAL.exec(m[2]!);
  if (!p) return undefined;
  const wild = (s: string | undefined) => s === undefined || /^[xX*]$/.test(s);
  const M = wild(p[1]) ? undefined : Number(p[1]);
  const mi = M === undefined || wild(p[2]) ? undefined : Number(p[2]);
  const pa = mi === undefined || wild(p[3]) ? undefined : Number(p[3]);
  const pre = p[4] ? p[4].split('.') : [];
  const v = (major: number, minor: number, patch: number, prerelease: readonly string[] = []): Version => ({
    major,
    minor,
    patch,
    pre: prerelease,
  });
  // `<2.0.0-0`: below every 2.0.0 pre-release too, so `^1` never admits 2.0.0-rc.1.
  const below = (x: Version): Comparator => ({ op: '<', v: v(x.major, x.minor, x.patch, ['0']) });
  const low = v(M ?? 0, mi ?? 0, pa ?? 0, pre);

  if (M === undefined) return op === '<' || op === '>' ? [{ op: '<', v: v(0, 0, 0, ['0']) }] : [];
  switch (op) {
    case '':
    case '=':
      if (mi === undefined) return [{ op: '>=', v: low }, below(v(M + 1, 0, 0))];
      if (pa === undefined) return [{ op: '>=', v: low }, below(v(M, mi + 1, 0))];
      return [{ op: '=', v: low }];
    case '^':
      if (M > 0 || mi === undefined) return [{ op: '>=', v: low }, below(v(M + 1, 0, 0))];
      if (mi > 0 || pa === undefined) return [{ op: '>=', v: low }, below(v(0, mi + 1, 0))];
      return [{ op: '>=', v: low }, below(v(0, 0, pa + 1))];
    case '~':
      if (mi === undefined) return [{ op: '>=', v: low }, below(v(M + 1, 0, 0))];
      return [{ op: '>=', v: low }, below(v(M, mi + 1, 0))];
    case '>':
      if (mi === undefined) return [{ op: '>=', v: v(M + 1, 0, 0) }];
      if (pa === undefined) return [{ op: '>=', v: v(M, mi + 1, 0) }];
      return [{ op: '>', v: low }];
    case '<=':
      if (mi === undefined) return [below(v(M + 1, 0, 0))];
      if (pa === undefined) return [below(v(M, mi + 1, 0))];
      return [{ op: '<=', v: low }];
    case '<':
      return [pa === undefined ? below(low) : { op: '<', v: low }];
    default: // '>='
      return [{ op: '>=', v: low }];
  }
}
