import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import sirv from "sirv";
import { setSecurityHeaders } from "./security-headers.js";

export interface HttpDeps {
  /** The built client to serve; null serves only the operational endpoints. */
  clientDir: string | null;
  /** Whether this server can serve chat now: its stores answer and it is not shutting down. */
  ready(): Promise<boolean>;
  metrics(): Promise<{ contentType: string; body: string }>;
}

/**
 * Operational endpoints — /healthz (the process is alive), /readyz (route traffic here), /metrics
 * (Prometheus) — plus, when built, the client's files (index.html for any other path).
 */
export function createRequestListener({ clientDir, ready, metrics }: HttpDeps): RequestListener {
  const serveClient = clientDir ? sirv(clientDir, { single: true, etag: true, gzip: false }) : null;
  const json = (res: ServerResponse, status: number, body: object) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/healthz") return json(res, 200, { status: "ok" });
    if (path === "/readyz") {
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
    setSecurityHeaders(res);
    if (serveClient)
      return serveClient(req, res, () => {
        res.writeHead(404).end();
      });
    res.writeHead(404).end();
  };
}
