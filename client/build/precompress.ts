import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Plugin } from "vite";

/** The client's text files; its images and fonts come compressed already. */
const COMPRESSIBLE = /\.(html|js|css|svg|json)$/;

/**
 * Writes a .gz and a .br beside each text file of the build, which the server sends to browsers that
 * accept them: compressed once, at the best ratio, when the client is built, not on every request. A
 * file that does not shrink gets none, and goes out as it is.
 */
export function precompress(): Plugin {
  let outDir = "";
  return {
    name: "chat:precompress",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
        const path = join(entry.parentPath, entry.name);
        const content = readFileSync(path);
        const gzip = gzipSync(content, { level: constants.Z_BEST_COMPRESSION });
        const brotli = brotliCompressSync(content, {
          params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
        });
        if (gzip.length < content.length) writeFileSync(`${path}.gz`, gzip);
        if (brotli.length < content.length) writeFileSync(`${path}.br`, brotli);
      }
    },
  };
}
