/**
 * SIGTERM (Kubernetes, systemd) and SIGINT (Ctrl-C) start a graceful stop. A second signal while stopping
 * exits at once: the operator has decided not to wait.
 */
export function onShutdownSignals(stop: () => Promise<unknown>): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
