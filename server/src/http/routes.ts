import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import sirv from "sirv";

export interface RouteOptions {
  /** The built client; null serves only the health endpoint. */
  clientDir: string | null;
  /** "/" or a sub-path with both slashes, such as "/chat/". */
  basePath: string;
}

/**
 * Health at `/healthz` (for probes that hit the node directly) and under the base path (through the proxy);
 * the client's files under the base path, index.html for any other path there.
 */
export function createRequestListener({ clientDir, basePath }: RouteOptions): RequestListener {
  const serveClient = clientDir ? sirv(clientDir, { single: true, etag: true, gzip: false }) : null;
  const notFound = (res: ServerResponse) => {
    res.writeHead(404).end();
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://host").pathname;
    if (path === "/healthz" || path === `${basePath}healthz`) {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    // Without its trailing slash the page's relative asset and socket URLs would resolve one level up.
    if (`${path}/` === basePath) {
      res.writeHead(301, { location: basePath }).end();
      return;
    }
    if (!serveClient || !path.startsWith(basePath)) return notFound(res);
    req.url = `/${(req.url ?? "/").slice(basePath.length)}`;
    serveClient(req, res, () => notFound(res));
  };
}
