import { meter } from '@stages/common';

/**
 * Instruments are looked up on each use rather than at import: the OpenTelemetry API hands out no-op
 * instruments until an SDK is registered, and core registers it after this package is imported. Config
 * changes are rare, so the lookup costs nothing that matters.
 */
export function countChange(layer: string): void {
  meter('config')
    .createCounter('stages.config.changes', { description: 'central config changes accepted' })
    .add(1, { layer });
}

export function countRejection(layer: string): void {
  meter('config')
    .createCounter('stages.config.rejected', { description: 'config changes rejected by schema validation' })
    .add(1, { layer });
}
