import { createPinia } from "pinia";
import { createApp } from "vue";
import App from "./App.vue";
import { ChatConnection } from "./connection/chat-connection";
import { shareReadsAcrossTabs } from "./connection/read-across-tabs";
import { keepSavedState, loadPendingLogin, loadSavedState } from "./connection/saved-state";
import { createChatSocket } from "./connection/socket";
import { connectionKey } from "./connection/use-connection";
import "./style.css";

const pinia = createPinia();
const app = createApp(App).use(pinia);
const connection = new ChatConnection(createChatSocket, pinia);
app.provide(connectionKey, connection);

const saved = loadSavedState();
const pendingLogin = saved ? null : loadPendingLogin();
if (saved) connection.resume(saved);
else if (pendingLogin) connection.continueLogin(pendingLogin);
keepSavedState();
shareReadsAcrossTabs(pinia);
window.addEventListener("online", () => connection.reconnectNow());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") connection.reconnectNow();
});

app.mount("#app");
