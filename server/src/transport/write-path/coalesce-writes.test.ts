import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { boundedCorks } from "./coalesce-writes.js";

// Real loopback TCP sockets: what a held write costs is the stream's queue entry it keeps until the cork
// is lifted, so that queue (writableLength) is what these tests watch, and the peer's bytes what they check.

const FRAME = "frame:00,";
const SOCKETS = 3;
const FRAMES = 30;
let server: Server;
const opened: Socket[] = [];

afterEach(() => {
  for (const socket of opened.splice(0)) socket.destroy();
  server.close();
});

/** Server ends of SOCKETS loopback connections, each with a function that resolves to all its peer read. */
async function connections(): Promise<{ socket: Socket; received: (bytes: number) => Promise<string> }[]> {
  const accepted: Socket[] = [];
  server = createServer((socket) => accepted.push(socket));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  const peers = await Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const peer = createConnection(port, "127.0.0.1");
      await once(peer, "connect");
      return peer;
    }),
  );
  await expect.poll(() => accepted.length).toBe(SOCKETS);
  opened.push(...peers, ...accepted);
  // Accepted in the order connected on loopback is not promised: pair them by port.
  return peers.map((peer) => {
    const socket = accepted.find((s) => s.remotePort === peer.localPort) as Socket;
    let text = "";
    peer.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
    });
    const received = async (bytes: number) => {
      await expect.poll(() => text.length).toBe(bytes);
      return text;
    };
    return { socket, received };
  });
}

/** Writes FRAMES numbered frames to every socket in one callback; returns the most bytes held at once. */
function writeBurst(sockets: Socket[], maxHeld: number): number {
  const hold = boundedCorks(maxHeld);
  let mostHeld = 0;
  for (let frame = 0; frame < FRAMES; frame++) {
    for (const socket of sockets) {
      hold(socket);
      socket.write(FRAME.replace("00", String(frame).padStart(2, "0")));
      mostHeld = Math.max(
        mostHeld,
        sockets.reduce((sum, s) => sum + s.writableLength, 0),
      );
    }
  }
  return mostHeld;
}

const everyFrame = Array.from({ length: FRAMES }, (_, i) =>
  FRAME.replace("00", String(i).padStart(2, "0")),
).join("");

describe("writes held until the callback's work is done", () => {
  it("leave together once it is done, whole and in order", async () => {
    const conns = await connections();
    const sockets = conns.map((c) => c.socket);
    const mostHeld = writeBurst(sockets, Number.POSITIVE_INFINITY);
    // Nothing went out during the callback: every frame of every socket was held.
    expect(mostHeld).toBe(FRAMES * SOCKETS * FRAME.length);
    for (const c of conns) expect(await c.received(everyFrame.length)).toBe(everyFrame);
    expect(sockets.map((s) => s.writableLength)).toEqual([0, 0, 0]);
  });

  it("are let go early past the bound, so a burst never holds more than that, and still arrive in order", async () => {
    const conns = await connections();
    const sockets = conns.map((c) => c.socket);
    const bound = 10;
    const mostHeld = writeBurst(sockets, bound);
    expect(mostHeld).toBeLessThanOrEqual(bound * FRAME.length);
    for (const c of conns) expect(await c.received(everyFrame.length)).toBe(everyFrame);
  });
});
