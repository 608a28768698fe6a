import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { clientFiles } from "./client-files.js";
import { setSecurityHeaders } from "./security-headers.js";

export interface HttpDeps {
  /** The built client to serve; null serves only the operational endpoints. */
  clientDir: string | null;
  /** "/" or a sub-path with both slashes, such as "/chat/". */
  basePath: string;
  /** Whether this server can serve chat now: its stores answer and it is not shutting down. */
  ready(): Promise<boolean>;
  metrics(): Promise<{ contentType: string; body: string }>;
}

/**
 * Operational endpoints — /healthz (the process is alive), /readyz (route traffic here), /metrics
 * (Prometheus) — plus, when built, the client's files under the base path (index.html for any other path
 * there). Health and readiness answer under the base path too, for checks through the proxy; metrics only
 * at the root, which a proxy serving the base path does not expose.
 */
export function createRequestListener({ clientDir, basePath, ready, metrics }: HttpDeps): RequestListener {
  const serveClient = clientDir ? clientFiles(clientDir) : null;
  const json = (res: ServerResponse, status: number, body: object) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const notFound = (res: ServerResponse) => {
    res.writeHead(404).end();
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    // The path as sent, never normalised: `new URL` would read `\` as `/` and resolve `..`, so that
    // `/chat/..\metrics`, which a proxy passes on as a path under /chat/, would become /metrics.
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const endpoint = path.startsWith(basePath) ? `/${path.slice(basePath.length)}` : path;
    if (endpoint === "/healthz") return json(res, 200, { status: "ok" });
    if (endpoint === "/readyz") {
      void ready()
        .catch(() => false)
        .then((ok) => json(res, ok ? 200 : 503, { status: ok ? "ready" : "unavailable" }));
      return;
    }
    if (path === "/metrics") {
      void metrics().then(
        ({ contentType, body }) => res.writeHead(200, { "content-type": contentType }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    // Without its trailing slash the page's relative asset and socket URLs would resolve one level up.
    if (`${path}/` === basePath) {
      res.writeHead(301, { location: basePath }).end();
      return;
    }
    setSecurityHeaders(res);
    if (!serveClient || !path.startsWith(basePath)) return notFound(res);
    req.url = `/${(req.url ?? "/").slice(basePath.length)}`;
    serveClient(req, res, () => notFound(res));
  };
}
