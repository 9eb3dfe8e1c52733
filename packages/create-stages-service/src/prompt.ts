import { createInterface, type Interface } from 'node:readline/promises';
import { parseCapabilities, parseMode } from './args.js';
import type { Capability, Mode } from './options.js';
import { ScaffoldError } from './scaffold-error.js';
import { nameProblem } from './validate-name.js';

/** Asks for what the flags left out; re-asks on a bad answer instead of failing the whole run. */
export class Prompter {
  readonly #rl: Interface;
  // The iterator buffers lines: piped answers that arrive before their question are kept, not dropped
  // (rl.question() misses lines read while no question is pending).
  readonly #lines: AsyncIterator<string>;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {
    this.#rl = createInterface({ input, terminal: false });
    this.#lines = this.#rl[Symbol.asyncIterator]();
  }

  name(): Promise<string> {
    return this.#ask('Service name (lower case, e.g. orders): ', (answer) => {
      const problem = nameProblem(answer);
      if (problem) throw new ScaffoldError(problem, 2);
      return answer;
    });
  }

  mode(): Promise<Mode> {
    return this.#ask('Mode, idl or json [json]: ', (answer) => parseMode(answer || 'json'));
  }

  capabilities(): Promise<Capability[]> {
    return this.#ask('Capabilities, any of cache,data,events [none]: ', (answer) => parseCapabilities(answer));
  }

  close(): void {
    this.#rl.close();
  }

  async #ask<T>(question: string, accept: (answer: string) => T): Promise<T> {
    for (let attempt = 0; attempt < 3; attempt++) {
      this.output.write(question);
      const next = await this.#lines.next();
      // Input ended (piped, Ctrl-D): no answer will come.
      if (next.done) throw new ScaffoldError('no answer on standard input; pass the options as flags or use --yes', 2);
      try {
        return accept(String(next.value).trim());
      } catch (error) {
        if (!(error instanceof ScaffoldError)) throw error;
        this.output.write(`  ${error.message}\n`);
      }
    }
    throw new ScaffoldError('three invalid answers; giving up', 2);
  }
}
