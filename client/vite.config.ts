import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";
import { precompress } from "./build/precompress.js";

const server = process.env.CHAT_SERVER ?? "http://localhost:3000";

export default defineConfig({
  // Relative asset URLs, so the same build works at "/" and behind a reverse proxy's sub-path.
  base: "./",
  plugins: [vue(), precompress()],
  resolve: {
    alias: { "@chat/shared": fileURLToPath(new URL("../shared/src/index.ts", import.meta.url)) },
  },
  server: {
    proxy: { "/socket.io": { target: server, ws: true } },
  },
});
