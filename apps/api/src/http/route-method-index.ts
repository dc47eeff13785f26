import FindMyWay, { HTTPVersion } from 'find-my-way';

/**
 * Which methods a path answers to, from the same router Fastify uses: it turns a 404
 * for a known path into the 405 (with `Allow`) that the client deserves.
 */
export class RouteMethodIndex {
  private readonly router = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: false });
  private readonly methods = new Set<string>();

  add(method: string | string[], url: string): void {
    for (const one of Array.isArray(method) ? method : [method]) {
      // HEAD follows GET, and OPTIONS is CORS preflight on every path: neither makes a 405.
      if (one === 'HEAD' || one === 'OPTIONS' || this.router.hasRoute(one as never, url)) continue;
      this.router.on(one as never, url, () => undefined);
      this.methods.add(one);
    }
  }

  allowedMethods(path: string): string[] {
    return [...this.methods].filter((method) => this.router.find(method as never, path) !== null).sort();
  }
}
