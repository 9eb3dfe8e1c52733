// The harness is test infrastructure and must not depend on the packages it tests, so it has its own
// one-line logger: silent unless asked for, to keep test output readable.
const enabled =
  process.env.STAGES_HARNESS_DEBUG === '1' || ['debug', 'trace'].includes(process.env.STAGES_LOG_LEVEL ?? '');

export function debug(message: string): void {
  if (enabled) process.stderr.write(`[stages-harness] ${message}\n`);
}
