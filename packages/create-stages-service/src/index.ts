export { parseCapabilities, parseCommandLine, parseMode, USAGE } from './args.js';
export { type CliIo, runCli } from './cli.js';
export { CAPABILITIES, type Capability, MODES, type Mode, type ProjectOptions } from './options.js';
export { projectCopies, renderProject } from './render.js';
export { ScaffoldError } from './scaffold-error.js';
export { nameProblem } from './validate-name.js';
export { VERSIONS } from './versions.js';
export { writeProject } from './write-project.js';
