import { precompress } from "./http/precompress.js";

// The last step of the root build, after Vite's: `node server/dist/precompress-client.js client/dist`.
const dir = process.argv[2];
if (!dir) throw new Error("usage: precompress-client.js <built client directory>");
precompress(dir);
