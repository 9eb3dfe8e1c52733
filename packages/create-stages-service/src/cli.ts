import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ParsedArgs, parseCommandLine, USAGE } from './args.js';
import type { ProjectOptions } from './options.js';
import { Prompter } from './prompt.js';
import { projectCopies, renderProject } from './render.js';
import { ScaffoldError } from './scaffold-error.js';
import { nameProblem } from './validate-name.js';
import { writeProject } from './write-project.js';

export interface CliIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
}

/** The whole command: parse, ask for what is missing, refuse what is invalid, write. Returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const options = await complete(args, io);
    const dir = resolve(io.cwd, args.dir ?? options.name);
    await writeProject(dir, renderProject(options), projectCopies(options));
    const shown = args.dir ?? options.name;
    io.stdout.write(
      `Created ${options.name} (${options.mode}${options.capabilities.length ? `, ${options.capabilities.join(', ')}` : ''}) in ${dir}\n\n` +
        `  cd ${shown}\n  npm install && npm test\n  npm start\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ScaffoldError) {
      io.stderr.write(`create-stages-service: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`create-stages-service: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

async function complete(args: ParsedArgs, io: CliIo): Promise<ProjectOptions> {
  // Check a name given as a flag before asking anything else: no point answering questions for a refusal.
  if (args.name !== undefined) {
    const problem = nameProblem(args.name);
    if (problem) throw new ScaffoldError(problem, 2);
  }
  const interactive =
    !args.yes && (args.name === undefined || args.mode === undefined || args.capabilities === undefined);
  let prompter: Prompter | undefined;
  if (interactive) prompter = new Prompter(io.stdin, io.stdout);
  try {
    const name = args.name ?? (await requirePrompter(prompter).name());
    const mode = args.mode ?? (prompter ? await prompter.mode() : 'json');
    const capabilities = args.capabilities ?? (prompter ? await prompter.capabilities() : []);
    const localPackages = args.localPackages ? await tarballs(resolve(io.cwd, args.localPackages)) : undefined;
    return { name, mode, capabilities, ...(localPackages ? { localPackages } : {}) };
  } finally {
    prompter?.close();
  }
}

function requirePrompter(prompter: Prompter | undefined): Prompter {
  if (!prompter) throw new ScaffoldError(`a name is required with --yes\n\n${USAGE}`, 2);
  return prompter;
}

/** `stages-core-0.1.0.tgz` -> `@stages/core`; the names `npm pack` gives scoped packages. */
async function tarballs(dir: string): Promise<Map<string, string>> {
  const files = await readdir(dir).catch(() => {
    throw new ScaffoldError(`--local-packages: cannot read ${dir}`, 2);
  });
  const found = new Map<string, string>();
  for (const file of files.sort()) {
    const match = /^stages-([a-z-]+?)-\d+\.\d+\.\d+.*\.tgz$/.exec(file);
    if (match) found.set(`@stages/${match[1]}`, join(dir, file));
  }
  if (!found.has('@stages/core')) throw new ScaffoldError(`--local-packages: no stages-core-*.tgz in ${dir}`, 2);
  return found;
}
