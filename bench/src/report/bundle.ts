import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ASSETS = fileURLToPath(new URL("../../../client/dist/assets", import.meta.url));

/** The production client's JavaScript and CSS, raw and gzipped (level 9), as served. */
export function bundleSizes(): { file: string; bytes: number; gzip: number }[] {
  if (!existsSync(ASSETS)) return [];
  return readdirSync(ASSETS)
    .filter((file) => file.endsWith(".js") || file.endsWith(".css"))
    .map((file) => {
      const content = readFileSync(join(ASSETS, file));
      return { file, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
    });
}
