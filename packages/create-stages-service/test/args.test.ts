import { describe, expect, it } from 'vitest';
import { parseCapabilities, parseCommandLine, ScaffoldError } from '../src/index.js';

describe('parseCommandLine', () => {
  it('reads the name and every flag', () => {
    expect(parseCommandLine(['orders', '--mode', 'IDL', '--with', 'events,cache', '--yes', '--dir', 'x'])).toEqual({
      name: 'orders',
      mode: 'idl',
      capabilities: ['cache', 'events'],
      yes: true,
      help: false,
      dir: 'x',
    });
  });

  it('leaves unanswered options undefined so they are asked', () => {
    expect(parseCommandLine([])).toEqual({ yes: false, help: false });
  });

  it.each([
    [['orders', '--mode', 'xml'], /--mode must be one of json, idl/],
    [['orders', '--with', 'cache,queues'], /unknown capability queues/],
    [['orders', '--colour'], /Unknown option '--colour'/],
    [['a', 'b'], /one name expected/],
  ])('refuses %j with exit code 2', (argv, message) => {
    let caught: unknown;
    try {
      parseCommandLine(argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScaffoldError);
    expect((caught as ScaffoldError).exitCode).toBe(2);
    expect((caught as Error).message).toMatch(message);
  });

  it('takes "none" and an empty list as no capability', () => {
    expect(parseCapabilities('none')).toEqual([]);
    expect(parseCapabilities('')).toEqual([]);
  });
});
