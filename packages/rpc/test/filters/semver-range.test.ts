import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/filters/semver-range.js';

const cases: [string, string, boolean][] = [
  ['*', '3.1.4', true],
  ['1.x', '1.9.0', true],
  ['1.x', '2.0.0', false],
  ['1.2', '1.2.9', true],
  ['1.2', '1.3.0', false],
  ['1.2.3', '1.2.3', true],
  ['1.2.3', '1.2.4', false],
  ['^1.2.3', '1.9.9', true],
  ['^1.2.3', '1.2.2', false],
  ['^1.2.3', '2.0.0', false],
  ['^0.2.3', '0.2.9', true],
  ['^0.2.3', '0.3.0', false],
  ['^0.0.3', '0.0.4', false],
  ['~1.2.3', '1.2.9', true],
  ['~1.2.3', '1.3.0', false],
  ['>=1.2.0 <2', '1.5.0', true],
  ['>=1.2.0 <2', '2.0.0', false],
  ['>= 1.2.0', '1.2.0', true],
  ['>1.2', '1.2.9', false],
  ['>1.2', '1.3.0', true],
  ['<=1.2', '1.2.9', true],
  ['1.x || 3.x', '3.0.1', true],
  ['1.x || 3.x', '2.0.1', false],
  ['^2.0.0', '2.1.0-rc.1', false],
  ['^2.1.0-rc.0', '2.1.0-rc.1', true],
  ['^1', 'not-a-version', false],
];

describe('semver range matcher', () => {
  it.each(cases)('%s against %s -> %s', (range, version, expected) => {
    expect(parseRange(range)?.test(version)).toBe(expected);
  });

  it('rejects what is not a range', () => {
    expect(parseRange('^banana')).toBeUndefined();
    expect(parseRange('1.2.3.4')).toBeUndefined();
  });
});
