const kApiToken: unique symbol = Symbol.for('stages.api-token');

/**
 * Names a remote API by an interface, so a consumer depends on the contract and never imports the
 * implementation class. `T` exists only for typing: `@Reference(CatalogApi) catalog: CatalogApi`.
 *
 * ```ts
 * export interface CatalogApi { getProduct(req: { id: string }): Promise<Product> }
 * export const CatalogApi = defineApi<CatalogApi>('catalog', { version: '^1.0.0' });
 * ```
 */
export interface ApiToken<T> {
  readonly [kApiToken]: true;
  readonly service: string;
  /** Defaults a reference inherits unless it sets its own. */
  readonly version?: string;
  readonly group?: string;
  /** What the consumer must know per method: whether a retry on another provider is safe, the usual deadline. */
  readonly methods?: Readonly<Record<string, { readonly idempotent?: boolean; readonly timeoutMs?: number }>>;
  /** Phantom: never set at runtime. */
  readonly __api?: T;
}

export function defineApi<T>(
  service: string,
  defaults: {
    version?: string;
    group?: string;
    methods?: { readonly [K in keyof T]?: { readonly idempotent?: boolean; readonly timeoutMs?: number } };
  } = {},
): ApiToken<T> {
  if (typeof service !== 'string' || service.length === 0) throw new TypeError('defineApi: service name required');
  return Object.freeze({
    [kApiToken]: true as const,
    service,
    ...(defaults.version === undefined ? {} : { version: defaults.version }),
    ...(defaults.group === undefined ? {} : { group: defaults.group }),
    ...(defaults.methods === undefined ? {} : { methods: defaults.methods as ApiToken<T>['methods'] }),
  });
}

export function isApiToken(value: unknown): value is ApiToken<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kApiToken] === true;
}
