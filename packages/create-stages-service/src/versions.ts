/**
 * Versions the generated project asks for. They match what this repository builds and tests with (a unit
 * test compares them with the root package.json), so a generated project installs from the same npm cache.
 */
export const VERSIONS = {
  stages: '^0.1.0',
  zod: '^4.6.7',
  typescript: '~5.9.3',
  typesNode: '^20.19.43',
  grpcJs: '^1.14.7',
  protoLoader: '^0.8.1',
  node: '>=20.19',
} as const;
