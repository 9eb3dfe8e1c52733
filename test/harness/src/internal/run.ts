import { type ChildOptions, describeExit, spawnChild } from './child.js';

/** Runs a command to completion (through setpriv, like the servers); throws with its output on failure. */
export async function run(options: ChildOptions & { what: string }): Promise<string> {
  const child = spawnChild(options);
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`${options.what} ${describeExit(exit)}:\n${child.tail(15)}`);
  return child.output();
}
