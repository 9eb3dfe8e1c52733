/**
 * A refusal the user can act on. The exit code is part of the contract (scripts branch on it):
 * 2 bad arguments or name, 3 target directory not empty, 1 anything else.
 */
export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3,
  ) {
    super(message);
  }
}
