import { StagesError } from '@stages/common';

/**
 * Loads an optional heavy client (pg, mysql2, better-sqlite3, node-zookeeper-client) on first use, so an app on
 * embedded defaults never pays for the others. A missing package fails naming it and how to add it.
 */
export async function loadModule<T>(name: string, purpose: string): Promise<T> {
  try {
    const mod = (await import(name)) as { default?: T } & T;
    return (mod.default ?? mod) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new StagesError('CONFIG_INVALID', `${purpose} needs the "${name}" package: npm install ${name}`, {
        details: { package: name },
        cause: error,
      });
    }
    throw error;
  }
}
