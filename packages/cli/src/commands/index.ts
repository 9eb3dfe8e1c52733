import { callCommand } from './call.js';
import type { CommandModule } from './command.js';
import { configCommandModule } from './config.js';
import { registryCommand } from './registry.js';
import { runCommand } from './run.js';

/** Every `stages` subcommand, in help order. A new one is a file in this folder and one line here. */
export const COMMANDS: readonly CommandModule[] = [registryCommand, callCommand, configCommandModule, runCommand];
(COMMANDS as CommandModule[]).push((await import('./k8s.js')).k8sCommand);
