// Graceful shutdown under load: a thousand socket.io-client v4 clients (WebSocket, long-polling,
// polling upgraded to WebSocket) connected and broadcasts in flight when the server is told to
// shut down, as SIGTERM would. Every client is told (its transport closes, after what was
// queued for it), pending polls are answered, new connections are refused, and the server
// stops well within its deadline (the Rust test's output says how long it took). Run by
// tests/tests/e2e.rs (row `shutdown`) against tests/support/soak_server.rs, with heartbeats of
// 20 s: a client that is not told fails here, not by a ping timeout of its own.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { URL_BASE, sleep, within } from "./helpers.mjs";

const TRANSPORTS = [["websocket"], ["polling"], ["polling", "websocket"]];
const open = new Set();
after(() => open.forEach((s) => s.disconnect()));

const stats = async () => (await fetch(`${URL_BASE}/control/stats`)).json();

describe("graceful shutdown under load", () => {
  const N = Number(process.env.SHUTDOWN_CLIENTS ?? 1000);

  it(`tells ${N} clients, with broadcasts in flight, and refuses new connections`, { timeout: 600000 }, async (t) => {
    const sockets = [];
    for (let i = 0; i < N; i += 100) {
      const batch = Array.from({ length: Math.min(100, N - i) }, async (_, k) => {
        const socket = io(URL_BASE, { forceNew: true, transports: TRANSPORTS[(i + k) % 3], reconnection: false });
        open.add(socket);
        socket.storms = 0;
        socket.on("storm", () => socket.storms++);
        socket.reason = new Promise((resolve) => socket.once("disconnect", (reason) => resolve([reason, Date.now()])));
        await within(15000, new Promise((resolve, reject) => {
          socket.once("connect", resolve);
          socket.once("connect_error", reject);
        }), `client ${i + k} connects`);
        return socket;
      });
      sockets.push(...(await Promise.all(batch)));
    }
    assert.equal((await stats()).sockets, N);
    // Broadcasts to everyone every 50 ms, for longer than the shutdown takes.
    assert.equal(await sockets[0].timeout(5000).emitWithAck("storm", 400, 50), 400);
    await within(10000, (async () => {
      while (sockets.some((s) => s.storms === 0)) await sleep(20);
    })(), "storms reach every client");

    const start = Date.now();
    assert.equal(await (await fetch(`${URL_BASE}/control/shutdown`, { method: "POST" })).text(), "shutting down");
    const reasons = await within(10000, Promise.all(sockets.map((s) => s.reason)), "every client told");
    const last = Math.max(...reasons.map(([, at]) => at)) - start;
    const counts = {};
    for (const [reason] of reasons) counts[reason] = (counts[reason] ?? 0) + 1;
    // The server closes each session (its last packets first): the client sees its transport
    // close, long-polling clients in the answer to their pending poll.
    assert.deepEqual(counts, { "transport close": N });
    await within(10000, (async () => {
      for (;;) {
        try {
          await fetch(`${URL_BASE}/socket.io/?EIO=4&transport=polling`);
        } catch {
          return;
        }
        await sleep(50);
      }
    })(), "new connections refused");
    t.diagnostic(`${N} clients told within ${last} ms of the shutdown; refused ${Date.now() - start} ms after it`);
    sockets.forEach((s) => open.delete(s));
  });
});
