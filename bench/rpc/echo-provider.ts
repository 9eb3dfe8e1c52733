import type { ProviderInstance } from '@stages/registry';

/** The provider record of the bench's echo server, for scenarios that call a transport without a registry. */
export function echoProvider(port: number, protocol = 'grpc'): ProviderInstance {
  return {
    id: `127.0.0.1:${port}`,
    service: 'echo',
    host: '127.0.0.1',
    port,
    protocol,
    version: '0.0.0',
    group: '',
    weight: 100,
    tags: [],
    methods: ['echo'],
    startTime: 0,
    metadata: {},
  };
}
