/**
 * Matches `/orders/:id` and `/files/*` against a request path. The engine swaps its whole route table on
 * reload, and fastify cannot remove routes once started, so the ESB listener has one catch-all route and
 * matches here.
 */
export function compilePath(pattern: string): (path: string) => Record<string, string> | undefined {
  const parts = pattern.split('/').filter(Boolean);
  return (path) => {
    const segs = path.split('?')[0]!.split('/').filter(Boolean);
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '*') {
        params['*'] = segs.slice(i).map(decodeURIComponent).join('/');
        return params;
      }
      const seg = segs[i];
      if (seg === undefined) return undefined;
      if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(seg);
      else if (part !== seg) return undefined;
    }
    return segs.length === parts.length ? params : undefined;
  };
}
