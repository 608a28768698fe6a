import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import sirv from "sirv";

/** Health endpoint plus, when built, the client's files (index.html for any other path). */
export function createRequestListener(clientDir: string | null): RequestListener {
  const serveClient = clientDir ? sirv(clientDir, { single: true, etag: true, gzip: false }) : null;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    if (serveClient)
      return serveClient(req, res, () => {
        res.writeHead(404).end();
      });
    res.writeHead(404).end();
  };
}
