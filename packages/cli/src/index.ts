export { addZkOptions, type CommandModule, type ZkOptions } from './commands/command.js';
export { COMMANDS } from './commands/index.js';
export { buildProgram, run } from './main.js';
export { EXIT, exitCodeFor, table } from './output.js';
