import { configCommand } from '@stages/config';
import type { Command } from 'commander';
import type { CommandModule } from './command.js';

/** `stages config ...`: @stages/config's own command tree, mounted as is (docs/config.md). */
export const configCommandModule: CommandModule = {
  name: 'config',
  register(program: Command) {
    configCommand(program);
  },
};
