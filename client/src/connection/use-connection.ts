import { type InjectionKey, inject } from "vue";
import type { ChatConnection } from "./chat-connection";

export const connectionKey: InjectionKey<ChatConnection> = Symbol("chat connection");

/** The commands components may give: they never see the socket itself. */
export function useConnection(): ChatConnection {
  const connection = inject(connectionKey);
  if (!connection) throw new Error("useConnection() outside the chat app");
  return connection;
}
