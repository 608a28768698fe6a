import { request } from "node:http";
import { Fetch, NodeWebSocket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";

let chat: RunningChat;
const users: ChatUser[] = [];

const TRANSPORTS = [
  ["WebSocket", NodeWebSocket],
  ["long-polling", Fetch],
] as const;
type Transport = (typeof TRANSPORTS)[number][1];

/** A socket.io-client handshake that says it comes from a page of `origin`, as a browser would. */
async function connectFrom(origin: string | null, transport: Transport): Promise<"connected" | "refused"> {
  const extraHeaders = origin === null ? undefined : { origin };
  return ChatUser.login(chat.url, `user${users.length}`, { transports: [transport], extraHeaders }).then(
    (user) => {
      users.push(user);
      return "connected";
    },
    () => "refused",
  );
}

const WEBSOCKET_UPGRADE = {
  connection: "Upgrade",
  upgrade: "websocket",
  "sec-websocket-version": "13",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
};

/** The raw HTTP answer to a handshake from `origin`, over long-polling or as a WebSocket upgrade. */
function handshakeStatus(
  origin: string,
  transport: "polling" | "websocket",
): Promise<{ status: number; body: string }> {
  const url = `${chat.url}/socket.io/?EIO=4&transport=${transport}`;
  const headers = transport === "websocket" ? { origin, ...WEBSOCKET_UPGRADE } : { origin };
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

describe.each(TRANSPORTS)("a browser-style handshake over %s", (_, transport) => {
  it("is refused from a foreign origin, accepted from the server's own, and without any origin", async () => {
    chat = await startChat();
    expect(await connectFrom("https://evil.example", transport)).toBe("refused");
    expect(await connectFrom("null", transport)).toBe("refused");
    expect(await connectFrom(chat.url, transport)).toBe("connected");
    expect(await connectFrom(null, transport)).toBe("connected");
  });

  it("is accepted only from ALLOWED_ORIGINS when they are set", async () => {
    chat = await startChat({ allowedOrigins: ["https://chat.example.org"] });
    expect(await connectFrom("https://chat.example.org", transport)).toBe("connected");
    expect(await connectFrom(chat.url, transport)).toBe("refused");
    expect(await connectFrom(null, transport)).toBe("connected");
  });
});

describe("an origin refusal", () => {
  it("names the origin before any connection exists: 403 to long-polling, 400 to a WebSocket upgrade", async () => {
    chat = await startChat();
    const polling = await handshakeStatus("https://evil.example", "polling");
    expect(polling.status).toBe(403);
    expect(polling.body).toContain("Origin https://evil.example is not allowed");
    // Engine.IO answers every refused upgrade with 400, whatever the reason.
    const upgrade = await handshakeStatus("https://evil.example", "websocket");
    expect(upgrade).toEqual({ status: 400, body: "Origin https://evil.example is not allowed" });
    expect(chat.server.io.engine.clientsCount).toBe(0);
  });

  it("turns away JSONP long-polling, which a script element on any page opens without an Origin", async () => {
    chat = await startChat();
    const jsonp = await fetch(`${chat.url}/socket.io/?EIO=4&transport=polling&j=0`);
    expect(jsonp.status).toBe(403);
    expect(await jsonp.text()).toContain("JSONP is not allowed");
    expect(chat.server.io.engine.clientsCount).toBe(0);
  });

  it("does not happen to any origin when ALLOWED_ORIGINS is *", async () => {
    chat = await startChat({ allowedOrigins: ["*"] });
    expect(await connectFrom("https://anywhere.example", NodeWebSocket)).toBe("connected");
  });
});
