import { tempDataDir } from "../../test-support/chat-server.js";
import { describeStorageContract } from "../storage.contract.js";
import { openSqliteStorage } from "./index.js";

describeStorageContract("SQLite", () => {
  const dataDir = tempDataDir();
  return { open: async () => openSqliteStorage(dataDir) };
});
