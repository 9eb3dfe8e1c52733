import { createHash } from 'node:crypto';
import { StagesError } from '@stages/common';
import type { TwoLevelCache } from '../two-level.js';

export interface PageRequest {
  method?: string;
  /** Path and query, e.g. `/products?page=2`. */
  url: string;
  headers?: Record<string, string | readonly string[] | undefined>;
}

export interface RenderedPage {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface PageCacheOptions {
  /** Default 30,000 ms. */
  ttlMs?: number;
  /** Request headers that select a different rendering (like HTTP `Vary`), e.g. `accept-language`. */
  vary?: readonly string[];
  /** Statuses worth caching. Default [200]. */
  statuses?: readonly number[];
  /**
   * Requests that must not be served from or stored in the cache. Default: anything but GET/HEAD, and requests
   * with an Authorization header (a personalised page must not be served to someone else).
   */
  bypass?: (request: PageRequest) => boolean;
  /** Serve the old page while one re-render runs, for this long after the TTL. Default 0. */
  staleMs?: number;
}

const MAX_KEY = 200;

/**
 * Caches rendered HTML pages or fragments by URL plus the vary headers, on a cache namespace (so level 1,
 * level 2, single flight and invalidation all apply). The gateway puts it in front of page-rendering routes.
 */
export class PageCache {
  readonly #cache: TwoLevelCache;
  readonly #ttlMs: number;
  readonly #staleMs: number;
  readonly #vary: readonly string[];
  readonly #statuses: ReadonlySet<number>;
  readonly #bypass: (request: PageRequest) => boolean;

  constructor(cache: TwoLevelCache, options: PageCacheOptions = {}) {
    this.#cache = cache;
    this.#ttlMs = options.ttlMs ?? 30_000;
    if (!(this.#ttlMs > 0))
      throw new StagesError('INVALID_ARGUMENT', `PageCache ttlMs must be > 0, got ${this.#ttlMs}`);
    this.#staleMs = options.staleMs ?? 0;
    this.#vary = (options.vary ?? []).map((name) => name.toLowerCase());
    this.#statuses = new Set(options.statuses ?? [200]);
    this.#bypass = options.bypass ?? defaultBypass;
  }

  /** The cache key of a request: URL, then each vary header's value. Long keys are hashed. */
  key(request: PageRequest): string {
    let key = request.url;
    for (const name of this.#vary) key += `\u0001${headerValue(request.headers, name)}`;
    if (key.length <= MAX_KEY) return key;
    return `h:${createHash('sha256').update(key).digest('base64url')}`;
  }

  /** The cached page, or `render()`'s, stored when its status is cacheable. `hit` says which. */
  async getOrRender(
    request: PageRequest,
    render: () => Promise<RenderedPage>,
  ): Promise<RenderedPage & { hit: boolean }> {
    if (this.#bypass(request)) return { ...(await render()), hit: false };
    let rendered = false;
    const page = await this.#cache.getOrLoad<RenderedPage>(
      this.key(request),
      async () => {
        rendered = true;
        return render();
      },
      {
        ttlMs: this.#ttlMs,
        staleMs: this.#staleMs,
        absentTtlMs: 0,
        shouldCache: (value) => this.#statuses.has(value.status),
      },
    );
    if (page === undefined) {
      // The renderer returned nothing: not a page. Treat as an error of the renderer, not of the cache.
      throw new StagesError('INTERNAL', `page renderer returned no page for ${request.url}`);
    }
    return { ...page, hit: !rendered };
  }

  /** Drops one rendering (the request's vary values pick which) on every instance. */
  invalidate(request: PageRequest): Promise<void> {
    return this.#cache.invalidate(this.key(request));
  }
}

function headerValue(headers: PageRequest['headers'], name: string): string {
  if (headers === undefined) return '';
  const value = headers[name] ?? findHeader(headers, name);
  if (value === undefined) return '';
  return typeof value === 'string' ? value : value.join(',');
}

function findHeader(headers: NonNullable<PageRequest['headers']>, name: string) {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function defaultBypass(request: PageRequest): boolean {
  const method = (request.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return true;
  return headerValue(request.headers, 'authorization') !== '';
}
