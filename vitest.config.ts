import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources; the process-level tests in tests/ start the built server.
export default defineConfig({
  resolve: {
    // Exact matches: "@chat/shared/name-skeleton", a module of its own, must not become "index.ts/name-skeleton".
    alias: [
      { find: /^@chat\/shared$/, replacement: src("./shared/src/index.ts") },
      { find: /^@chat\/shared\/name-skeleton$/, replacement: src("./shared/src/name-skeleton.ts") },
      { find: /^@chat\/server$/, replacement: src("./server/src/index.ts") },
    ],
  },
  test: {
    pool: "forks",
    globalSetup: ["./tests/support/temp-root.ts"],
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "shared", include: ["shared/src/**/*.test.ts"] } },
      {
        extends: true,
        // --expose-gc: the fuzz test measures whether memory returns to where it started.
        test: {
          name: "server",
          include: ["server/src/**/*.test.ts"],
          testTimeout: 30_000,
          execArgv: ["--expose-gc"],
          setupFiles: ["./server/src/test-support/conformance.ts"],
        },
      },
      { extends: true, test: { name: "client", include: ["client/src/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "system",
          include: ["tests/**/*.test.ts"],
          testTimeout: 180_000,
          setupFiles: ["./server/src/test-support/conformance.ts"],
          // Browser and multi-process tests each saturate both cores; running them one file at a time keeps
          // their timing realistic.
          fileParallelism: false,
        },
      },
    ],
  },
});
