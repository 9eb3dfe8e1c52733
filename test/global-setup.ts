// vitest globalSetup (vitest.config.ts). Servers are started by the test files themselves, through
// @stages/test-harness; this only cleans up after runs that could not clean up after themselves.
import { sweepStale } from './harness/src/internal/workdir.js';

export default function setup() {
  // Dirs and servers of a previous run that was SIGKILLed or interrupted. Servers die with their test
  // process (pdeathsig) already; this kills any that survived and frees the disk. Concurrent runs by
  // other users are left alone: only dirs whose owning process is gone are swept.
  sweepStale();
  return () => {
    // The workers of this run have exited by now, so everything they started and left is stale.
    sweepStale();
  };
}
