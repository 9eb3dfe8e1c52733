import { type Names, namesOf, type ProjectOptions } from '../options.js';

/** src/service.ts: one decorated service with one method, using the chosen capabilities. */
export function serviceSource(options: ProjectOptions): string {
  const n = namesOf(options.name);
  const caps = new Set(options.capabilities);
  const imports = ["import { Rpc, Service } from '@stages/core';", "import { z } from 'zod';"];
  if (options.mode === 'idl') {
    imports.unshift("import { fileURLToPath } from 'node:url';");
  }
  const params: string[] = [];
  if (caps.has('cache')) {
    imports.push("import { GreetingCache } from './capabilities/cache.js';");
    params.push('private readonly cache: GreetingCache');
  }
  if (caps.has('data')) {
    imports.push("import { GreetingStore } from './capabilities/data.js';");
    params.push('private readonly store: GreetingStore');
  }
  if (caps.has('events')) {
    imports.push("import { GreetingEvents } from './capabilities/events.js';");
    params.push('private readonly events: GreetingEvents');
  }
  const method = options.mode === 'idl' ? 'Greet' : 'greet';
  const body: string[] = [];
  // The generated code's own template literal, spelled without one here.
  const compute = ['`Hello, ', '$', '{req.name}!`'].join('');
  body.push(
    caps.has('cache')
      ? `const message = await this.cache.getOrLoad(req.name, async () => ${compute});`
      : `const message = ${compute};`,
  );
  body.push(caps.has('data') ? 'const count = await this.store.record(req.name);' : 'const count = 1;');
  if (caps.has('events')) body.push(`await this.events.publish('${n.kebab}.greeted', req.name, { name: req.name });`);
  body.push('return { message, count };');

  return `${imports.join('\n')}

${serviceDecorator(options, n)}
export class ${n.className} {
  ${params.length > 0 ? `constructor(${params.join(', ')}) {}\n\n  ` : ''}// The input schema runs before the handler: a bad request is INVALID_ARGUMENT and never reaches this code.
  @Rpc({ idempotent: true, timeoutMs: 1000, input: z.object({ name: z.string().min(1).max(100) }) })
  async ${method}(req: { name: string }): Promise<{ message: string; count: number }> {
    ${body.join('\n    ')}
  }
}
`;
}

function serviceDecorator(options: ProjectOptions, n: Names): string {
  if (options.mode === 'json') return `@Service({ name: '${n.kebab}', version: '1.0.0' })`;
  return `// IDL mode: also served as plain gRPC methods from the .proto, so clients in any language can call it.
const PROTO = fileURLToPath(new URL('../../proto/${n.kebab}.proto', import.meta.url));

@Service({ name: '${n.kebab}', version: '1.0.0', proto: { file: PROTO, service: '${n.protoPackage}.${n.pascal}' } })`;
}
