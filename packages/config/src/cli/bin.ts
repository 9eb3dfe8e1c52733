#!/usr/bin/env node
import { runConfigCli } from './config-command.js';

// Quiet by default: a person reads tables here, not JSON log lines.
process.env.STAGES_LOG_LEVEL ??= 'error';
process.exitCode = await runConfigCli(process.argv.slice(2));
