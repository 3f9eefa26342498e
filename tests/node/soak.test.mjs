// Churn: waves of socket.io-client v4 clients connect (WebSocket, long-polling, and polling
// upgraded to WebSocket), join rooms, take broadcasts, leave a pending acknowledgement behind,
// and go (cleanly, by dropping their connection, or by dropping it and coming back recovered).
// After each wave, everything the server held is freed: sessions, sockets, rooms, pending
// acknowledgements, recovery sessions and packets, tasks; and its memory does not grow from
// wave to wave. Run by tests/tests/e2e.rs (row `soak`) against tests/support/soak_server.rs.
//
// The test command runs a short version; `bash benches/soak.sh` the long one
// (SOAK_CLIENTS clients a wave, SOAK_WAVES waves).

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { URL_BASE, sleep, within } from "./helpers.mjs";

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 240);
const WAVES = Number(process.env.SOAK_WAVES ?? 4);
const open = new Set();
after(() => open.forEach((s) => s.disconnect()));

const stats = async () => (await fetch(`${URL_BASE}/control/stats`)).json();

const mib = (bytes) => (bytes / 2 ** 20).toFixed(2);

/** With SOAK_HEAP_DUMPS set (benches/soak.sh with SOAK_ALLOCATOR=heap-profile), the server
 * writes a heap profile named `name`. */
async function heapDump(name) {
  if (!process.env.SOAK_HEAP_DUMPS) return;
  const res = await fetch(`${URL_BASE}/control/heap-dump?name=${name}`, { method: "POST" });
  assert.equal(res.status, 200, `heap dump ${name}: ${await res.text()}`);
}

/** Waits until `ok(stats)` holds; gives the stats then. */
async function until(what, ok, ms = 120000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await stats();
    if (ok(last)) return last;
    await sleep(100);
  }
  throw new Error(`${what}: still ${JSON.stringify(last)}`);
}

const TRANSPORTS = [["websocket"], ["polling"], ["polling", "websocket"]];
const LEAVE = ["disconnect", "drop", "drop and recover"];

/** Client `i` of a wave: connected, in its room, counting ticks. */
async function client(i) {
  const socket = io(URL_BASE, {
    forceNew: true,
    transports: TRANSPORTS[i % 3],
    reconnection: LEAVE[Math.floor(i / 3) % 3] === "drop and recover",
    reconnectionDelay: 100,
    reconnectionDelayMax: 200,
  });
  open.add(socket);
  socket.ticks = 0;
  socket.on("tick", () => socket.ticks++);
  // Half the clients never answer the server's question: its acknowledgement stays pending
  // until the socket goes.
  socket.on("question", (cb) => {
    if (i % 2 === 0) cb();
  });
  await within(15000, new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  }), `client ${i} connects`);
  assert.equal(await socket.timeout(10000).emitWithAck("join", `r${i % 10}`), true);
  return socket;
}

/** Client `i` leaves its way. */
async function leave(socket, i) {
  const how = LEAVE[Math.floor(i / 3) % 3];
  if (how === "disconnect") {
    socket.disconnect();
  } else if (how === "drop") {
    // The connection closes under the socket: the server keeps its session for recovery.
    socket.io.engine.close();
  } else {
    const back = within(15000, new Promise((resolve) => socket.once("connect", resolve)), `client ${i} comes back`);
    socket.io.engine.close();
    await back;
    assert.equal(socket.recovered, true, `client ${i} recovered`);
    socket.disconnect();
  }
  open.delete(socket);
}

/** Connects `n` clients, `batch` at a time. */
async function connectAll(n, batch = 60) {
  const sockets = [];
  for (let i = 0; i < n; i += batch) {
    const ids = Array.from({ length: Math.min(batch, n - i) }, (_, k) => i + k);
    sockets.push(...(await Promise.all(ids.map(client))));
  }
  return sockets;
}

const settled = (s) => s.sessions === 0 && s.sockets === 0 && s.rooms === 0 && s.pendingAcks === 0;

describe(`churn: ${WAVES} waves of ${CLIENTS} clients`, () => {
  it("frees everything after each wave, and memory does not grow from wave to wave", { timeout: 4 * 3600 * 1000 }, async (t) => {
    const baseline = await until("an idle server", settled);
    await heapDump("baseline");
    let warm;
    for (let wave = 1; wave <= WAVES; wave++) {
      const sockets = await connectAll(CLIENTS);
      const peak = await stats();
      assert.equal(peak.sockets, CLIENTS);
      // Broadcasts to all and to one room; every client gets its own.
      const [sender] = sockets;
      assert.equal(await sender.timeout(10000).emitWithAck("burst", 10), 10);
      assert.equal(await sender.timeout(10000).emitWithAck("burst", 5, "r3"), 5);
      await within(15000, (async () => {
        while (sockets.some((s, i) => s.ticks < 10 + (i % 10 === 3 ? 5 : 0))) await sleep(20);
      })(), "every client's ticks");
      assert.ok(sockets.every((s, i) => s.ticks === 10 + (i % 10 === 3 ? 5 : 0)), "no tick twice");
      await Promise.all(sockets.map((s) => s.timeout(10000).emitWithAck("ask")));
      const asked = await until("the questions asked", (s) => s.pendingAcks >= Math.floor(CLIENTS / 2));
      await Promise.all(sockets.map(leave));
      const gone = await until(`wave ${wave} gone`, settled);
      const expired = await until(
        `wave ${wave}'s recovery sessions expired`,
        (s) => settled(s) && s.recoverySessions === 0 && s.recoveryPackets === 0,
      );
      const idle = await until(`wave ${wave}'s tasks ended`, (s) => s.tasks <= baseline.tasks);
      await heapDump(`wave-${wave}`);
      t.diagnostic(
        `wave ${wave}: peak ${peak.sessions} sessions, ${peak.rooms} rooms, ${asked.pendingAcks} pending acks, ` +
          `${gone.recoverySessions} recovery sessions kept; after: ${JSON.stringify(expired)}; ` +
          `rss ${mib(idle.rss)} MiB (baseline ${mib(baseline.rss)}): anonymous ${mib(idle.rssAnon)} (baseline ${mib(baseline.rssAnon)}), ` +
          `file-backed ${mib(idle.rssFile)} (baseline ${mib(baseline.rssFile)})` +
          (idle.heap == null ? "" : `; heap ${(idle.heap / 2 ** 20).toFixed(2)} MiB (baseline ${(baseline.heap / 2 ** 20).toFixed(2)})`) +
          (idle.allocator == null ? "" : `; jemalloc resident ${mib(idle.allocator.resident)} metadata ${mib(idle.allocator.metadata)} MiB (baseline ${mib(baseline.allocator.resident)}, ${mib(baseline.allocator.metadata)})`),
      );
      assert.ok(gone.recoverySessions > 0, "dropped clients' sessions were kept for recovery");
      if (wave === 1) warm = idle.rss;
      else assert.ok(idle.rss <= warm * 1.1, `rss after wave ${wave}: ${idle.rss} against ${warm} after the first`);
    }
  });
});
