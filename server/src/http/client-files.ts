import type { IncomingMessage, ServerResponse } from "node:http";
import sirv, { type Options } from "sirv";

/** Where Vite puts the bundle's files, each named after a hash of its content. */
const ASSETS_PATH = "/assets/";

/** The build's compressed copies of its files (client/build/precompress.ts). */
const COMPRESSED_COPY = /\.(gz|br)$/;

/**
 * The built client's files. A hashed asset never changes under its name (a new build names it anew), so
 * browsers keep it for a year without asking again; index.html, and the fallback to it for any other path,
 * is revalidated on every load (ETag), so a deploy reaches everyone at their next load.
 */
export function clientFiles(
  dir: string,
): (req: IncomingMessage, res: ServerResponse, notFound: () => void) => void {
  const files = (cacheControl: string, options: Options) =>
    sirv(dir, {
      etag: true,
      // The .gz and .br files the build wrote (client/build/precompress.ts), for browsers that accept them.
      gzip: true,
      brotli: true,
      setHeaders: (res) => res.setHeader("cache-control", cacheControl),
      ...options,
    });
  // No fallback to index.html here: an asset of an older build is a 404, not a page cached for a year.
  const assets = files("public, max-age=31536000, immutable", {});
  const pages = files("no-cache", { single: true });
  return (req, res, notFound) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const path = req.url?.split("?")[0] ?? "/";
    // A compressed copy goes out only as the encoding of its file: asked for by its own name, it would go
    // as that file's type without saying it is compressed, which no browser can read.
    if (COMPRESSED_COPY.test(path)) return notFound();
    (path.startsWith(ASSETS_PATH) ? assets : pages)(req, res, notFound);
  };
}
