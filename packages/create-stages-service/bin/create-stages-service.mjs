#!/usr/bin/env node
// `npm create stages-service <name>` runs this (npm maps `create X` to the package `create-X`).
import { runCli } from '../dist/index.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
