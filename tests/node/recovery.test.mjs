// Connection state recovery with the npm socket.io-client v4. Run by tests/tests/e2e.rs (row `recovery`):
// SOCKETRY_URL has the default options, SOCKETRY_URL_STRICT runs the middlewares on recovery
// and keeps sessions 2 s.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { URL_BASE, sleep, within, connected } from "./helpers.mjs";

const STRICT = process.env.SOCKETRY_URL_STRICT;
const T = { timeout: 30000 };
const open = [];
after(() => open.forEach((s) => s.disconnect()));

let names = 0;

/** A client that records every event (without the offset the server appends). */
async function client(base, opts = {}) {
  const name = `c${names++}`;
  const socket = io(base, {
    forceNew: true,
    reconnectionDelay: 300,
    reconnectionDelayMax: 300,
    randomizationFactor: 0,
    auth: { name },
    ...opts,
  });
  open.push(socket);
  socket.name = name;
  socket.log = [];
  socket.onAny((event, ...args) => {
    if (socket._pid && typeof args[args.length - 1] === "string") args.pop();
    socket.log.push([event, ...args.map((a) => (Buffer.isBuffer(a) ? [...a] : a))]);
  });
  // The server's `welcome` gives the client its first offset; it may come after `connect`.
  const welcome = new Promise((resolve) => socket.once("welcome", resolve));
  await connected(socket);
  if (!opts.auth?.quiet) await within(5000, welcome, "welcome");
  return socket;
}


const ack = (socket, ...args) => within(3000, socket.emitWithAck(...args), `ack of ${args[0]}`);

/** Drops the connection the way a network does; resolves once the server has seen it. */
async function drop(socket, observer) {
  const id = socket.id;
  const reconnected = new Promise((resolve) => socket.io.once("reconnect", resolve));
  socket.io.engine.close();
  await within(
    5000,
    (async () => {
      while (await ack(observer, "connected", id)) await sleep(20);
    })(),
    "the server to see the drop",
  );
  // Wrapped: an async function returning a promise would make its caller wait for it.
  return { reconnected };
}

for (const transport of ["websocket", "polling"]) {
  describe(`recovery over ${transport}`, () => {
    const opts = { transports: [transport] };

    it("restores id, rooms and data, and replays every missed packet once, in order", T, async () => {
      const a = await client(URL_BASE, opts);
      const b = await client(URL_BASE, opts);
      assert.ok(a._pid, "the CONNECT answer carries a private id");
      assert.equal(a.recovered, false);
      await ack(a, "join", "r1");
      await ack(a, "set", "kept");
      const id = a.id;
      const { rooms } = await ack(a, "info");

      // Hold the reconnection until everything below was sent.
      a.io.reconnectionDelay(1500);
      a.io.reconnectionDelayMax(1500);
      const { reconnected } = await drop(a, b);
      a.log.length = 0;
      await ack(b, "all", 3);
      await ack(b, "room", "r1", "for-r1");
      await ack(b, "room", "r2", "for-r2");
      await ack(b, "volatile", "gone");
      await ack(b, "direct", id, "to-a");
      await ack(b, "binary", "bytes");
      await within(8000, reconnected, "reconnect");
      await connected(a, "connect after the drop");

      assert.equal(a.recovered, true);
      assert.equal(a.id, id);
      await sleep(100);
      const missed = a.log.filter(([e]) => e !== "welcome");
      assert.deepEqual(missed, [
        ["all", 0],
        ["all", 1],
        ["all", 2],
        ["room", "for-r1"],
        ["direct", "to-a"],
        ["bin", "bytes", [1, 2, 3]],
      ]);
      const info = await ack(a, "info");
      assert.deepEqual(info, { id, recovered: true, rooms });
      assert.equal(await ack(a, "get"), "kept");

      // Live traffic goes on, once.
      a.log.length = 0;
      await ack(b, "all", 1);
      await sleep(100);
      assert.deepEqual(a.log, [["all", 0]]);
    });

    it("loses and repeats nothing while broadcasts race with the reconnection", T, async () => {
      const a = await client(URL_BASE, opts);
      const b = await client(URL_BASE, opts);
      let flooding = true;
      const flood = (async () => {
        while (flooding) {
          await ack(b, "flood", 20);
          await sleep(2);
        }
      })();
      await sleep(100);
      const { reconnected } = await drop(a, b);
      await within(8000, reconnected, "reconnect");
      await connected(a);
      assert.equal(a.recovered, true);
      await sleep(200);
      flooding = false;
      await flood;
      await sleep(200);
      const seq = a.log.filter(([e]) => e === "seq").map(([, n]) => n);
      assert.ok(seq.length > 100, `${seq.length} packets`);
      for (let i = 1; i < seq.length; i++) {
        if (seq[i] !== seq[i - 1] + 1) assert.fail(`after ${seq[i - 1]} came ${seq[i]} (packet ${i})`);
      }
    });

    it("skips the middlewares by default, runs them when configured", T, async () => {
      for (const [base, expected] of [[URL_BASE, 1], [STRICT, 2]]) {
        const a = await client(base, opts);
        const b = await client(base, opts);
        await within(8000, (await drop(a, b)).reconnected, "reconnect");
        await connected(a);
        assert.equal(a.recovered, true, base);
        assert.equal(await ack(b, "mw", a.name), expected, base);
      }
    });

    it("recovers a client that received no event before it dropped (socket.io#5538)", T, async () => {
      const a = await client(URL_BASE, { ...opts, auth: { quiet: true } });
      const b = await client(URL_BASE, opts);
      assert.equal(a._lastOffset, undefined, "no event, no offset");
      await ack(a, "join", "r1");
      await ack(a, "set", "kept");
      const id = a.id;
      const { rooms } = await ack(a, "info");
      a.io.reconnectionDelay(1500);
      a.io.reconnectionDelayMax(1500);
      const { reconnected } = await drop(a, b);
      await ack(b, "all", 2);
      await ack(b, "room", "r1", "for-r1");
      await ack(b, "room", "r2", "for-r2");
      await ack(b, "direct", id, "to-a");
      await within(8000, reconnected, "reconnect");
      await connected(a);
      assert.equal(a.recovered, true);
      assert.equal(a.id, id);
      await sleep(100);
      assert.deepEqual(a.log, [
        ["all", 0],
        ["all", 1],
        ["room", "for-r1"],
        ["direct", "to-a"],
      ]);
      assert.deepEqual(await ack(a, "info"), { id, recovered: true, rooms });
      assert.equal(await ack(a, "get"), "kept");
    });

    it("keeps recovery working after volatile events, and never replays them (socket.io#5539)", T, async () => {
      const a = await client(URL_BASE, opts);
      const b = await client(URL_BASE, opts);
      await ack(b, "all", 1);
      // A volatile event is dropped while anything waits to be written to its socket, as the
      // reference drops one while the transport is not writable: `a` must have its broadcast
      // before the volatile one can be expected to reach it.
      await within(5000, (async () => {
        while (!a.log.some(([e, v]) => e === "all" && v === 0)) await sleep(10);
      })(), "the broadcast reaches a");
      await ack(b, "volatile", "connected");
      await sleep(100);
      assert.deepEqual(a.log.slice(-2), [["all", 0], ["volatile", "connected"]]);
      assert.notEqual(a._lastOffset, "connected", "the volatile event carries an offset");
      a.io.reconnectionDelay(1500);
      a.io.reconnectionDelayMax(1500);
      const { reconnected } = await drop(a, b);
      a.log.length = 0;
      await ack(b, "volatile", "while-away");
      await ack(b, "all", 2);
      await ack(b, "volatile", "while-away-2");
      await within(8000, reconnected, "reconnect");
      await connected(a);
      assert.equal(a.recovered, true);
      await sleep(100);
      assert.deepEqual(a.log.filter(([e]) => e !== "welcome"), [["all", 0], ["all", 1]]);
    });

    it("resumes a session only from an offset it was sent: another's or a forged one gives a fresh session", T, async () => {
      const a = await client(URL_BASE, opts);
      const b = await client(URL_BASE, opts);
      await ack(b, "direct", a.id, "only-a");
      await sleep(100);
      const foreign = a._lastOffset;
      for (const offset of [foreign, "forged", `${b._lastOffset}9`]) {
        const id = b.id;
        b.io.reconnectionDelay(1000);
        b.io.reconnectionDelayMax(1000);
        const { reconnected } = await drop(b, a);
        b.log.length = 0;
        await ack(a, "all", 1);
        b._lastOffset = offset;
        await within(8000, reconnected, "reconnect");
        await connected(b);
        assert.equal(b.recovered, false, offset);
        assert.notEqual(b.id, id, offset);
        await sleep(100);
        assert.deepEqual(b.log.filter(([e]) => e !== "welcome"), [], `nothing replayed (${offset})`);
        assert.equal(await ack(b, "get"), null);
      }
      // Its own offset still works afterwards.
      const { reconnected } = await drop(b, a);
      await within(8000, reconnected, "reconnect");
      await connected(b);
      assert.equal(b.recovered, true);
    });

    it("keeps a connected session's resume point however old its last event is (socket.io#5282)", T, async () => {
      const a = await client(STRICT, opts);
      const b = await client(STRICT, opts);
      // Older than the window and the time a dead connection takes to be seen (2 s + 2 s),
      // with packets for others logged meanwhile.
      for (let i = 0; i < 5; i++) {
        await ack(b, "room", "elsewhere", `t${i}`);
        await sleep(1000);
      }
      const id = a.id;
      const { reconnected } = await drop(a, b);
      a.log.length = 0;
      await ack(b, "all", 1);
      await within(8000, reconnected, "reconnect");
      await connected(a);
      assert.equal(a.recovered, true);
      assert.equal(a.id, id);
      await sleep(100);
      assert.deepEqual(a.log.filter(([e]) => e !== "welcome"), [["all", 0]]);
    });

    it("recovers a fresh session whose client still holds the offset of an earlier one", T, async () => {
      const a = await client(STRICT, opts);
      const b = await client(STRICT, opts);
      const old = b._pid;
      const stale = b._lastOffset;
      assert.ok(stale);
      // Too late: a new session, which sends it nothing; the client keeps the old offset.
      b.auth.quiet = true;
      b.io.reconnectionDelay(3500);
      b.io.reconnectionDelayMax(3500);
      await within(10000, (await drop(b, a)).reconnected, "reconnect");
      await connected(b);
      assert.equal(b.recovered, false);
      assert.notEqual(b._pid, old);
      assert.equal(b._lastOffset, stale);
      // This one drops at once: it has received nothing of its new session.
      const id = b.id;
      b.io.reconnectionDelay(300);
      b.io.reconnectionDelayMax(300);
      b.log.length = 0;
      const { reconnected } = await drop(b, a);
      await ack(a, "all", 1);
      await within(8000, reconnected, "reconnect");
      await connected(b);
      assert.equal(b.recovered, true);
      assert.equal(b.id, id);
      await sleep(100);
      assert.deepEqual(b.log, [["all", 0]]);
    });

    it("gives a new session after max_disconnection_duration", T, async () => {
      const a = await client(STRICT, opts);
      const b = await client(STRICT, opts);
      const id = a.id;
      a.io.reconnectionDelay(3500);
      a.io.reconnectionDelayMax(3500);
      await within(10000, (await drop(a, b)).reconnected, "reconnect");
      await connected(a);
      assert.equal(a.recovered, false);
      assert.notEqual(a.id, id);
    });
  });
}

describe("what is not recovered", () => {
  it("an explicit disconnection", T, async () => {
    const a = await client(URL_BASE);
    const id = a.id;
    a.disconnect();
    await sleep(100);
    a.connect();
    await connected(a);
    assert.equal(a.recovered, false);
    assert.notEqual(a.id, id);
  });

  it("a disconnection by the server", T, async () => {
    const a = await client(URL_BASE);
    const id = a.id;
    const reason = new Promise((r) => a.once("disconnect", r));
    a.emit("kick");
    assert.equal(await within(3000, reason, "disconnect"), "io server disconnect");
    a.connect();
    await connected(a);
    assert.equal(a.recovered, false);
    assert.notEqual(a.id, id);
  });

  it("a forged or unknown pid or offset: a fresh session, nobody else disturbed", T, async () => {
    const other = await client(URL_BASE);
    const real = await client(URL_BASE);
    const { _pid: pid, _lastOffset: offset } = real;
    assert.ok(pid && offset);
    for (const auth of [
      { pid: "forged", offset },
      { pid, offset: "forged" },
      { pid, offset: `${offset}0` },
      { pid: 42, offset: {} },
    ]) {
      const socket = io(URL_BASE, { forceNew: true, reconnection: false, auth });
      open.push(socket);
      await connected(socket);
      assert.equal(socket.recovered, false, JSON.stringify(auth));
      assert.notEqual(socket.id, real.id);
      socket.disconnect();
    }
    assert.ok(other.connected && real.connected);
    assert.equal((await ack(other, "info")).recovered, false);
  });
});
