// socket.io-client 2.x (Engine.IO v3, Socket.IO protocol v4) against socketry with allow_eio3,
// beside socket.io-client 4.x. Run by tests/tests/e2e.rs (row `socket_io_v2`).

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import ioV2 from "socket.io-client-v2";
import { io as ioV4 } from "socket.io-client";
import { URL_BASE, sleep, within, once } from "./helpers.mjs";

const T = { timeout: 15000 };
const open = [];
after(() => open.forEach((s) => s.close()));

/** A v2 socket; resolves with it and the server's "welcome" once connected. */
async function connectV2(nsp = "/", opts = {}) {
  const socket = ioV2(`${URL_BASE}${nsp}`, { forceNew: true, reconnection: false, ...opts });
  open.push(socket);
  const welcome = once(socket, "welcome");
  await within(5000, new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
    socket.once("error", reject);
  }), `v2 connect to ${nsp}`);
  return { socket, welcome };
}

async function connectV4(nsp = "/") {
  const socket = ioV4(`${URL_BASE}${nsp}`, { forceNew: true, reconnection: false });
  open.push(socket);
  await once(socket, "connect");
  return socket;
}

const ackV2 = (socket, ...args) =>
  within(5000, new Promise((resolve) => socket.emit(...args, (...answer) => resolve(answer))), `v2 ack of ${args[0]}`);

for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
  describe(`socket.io-client 2 over ${transports.join(" then ")}`, () => {
    it("joins the main namespace implicitly, with the id it computes itself", T, async () => {
      const { socket, welcome } = await connectV2("/", { transports, query: { room: "r2" } });
      const [w] = await welcome;
      assert.equal(w.id, socket.id);
      assert.equal(w.engineId, socket.io.engine.id);
      assert.equal(w.query.EIO, "3");
      assert.equal(w.query.room, "r2");
      assert.deepEqual(w.auth, {});
      socket.close();
    });

    it("sends events both ways, with acks and binary", T, async () => {
      const { socket } = await connectV2("/", { transports });
      const echo = once(socket, "echo");
      socket.emit("echo", 1, "é✓😀", { bin: Buffer.from([1, 2, 3]) });
      const [n, s, o] = await echo;
      assert.equal(n, 1);
      assert.equal(s, "é✓😀");
      assert.deepEqual([...o.bin], [1, 2, 3]);
      assert.deepEqual(await ackV2(socket, "ack", "a", [2]), ["a", [2]]);
      const [bin] = await ackV2(socket, "ack", Buffer.from([9, 9]));
      assert.deepEqual([...bin], [9, 9]);
      socket.close();
    });
  });
}

describe("socket.io-client 2 with namespaces and middlewares", () => {
  it("a namespace query reaches the server as handshake.auth", T, async () => {
    const { socket, welcome } = await connectV2("/guarded?token=secret");
    assert.deepEqual(await welcome, ["secret"]);
    assert.equal(socket.nsp, "/guarded");
    socket.close();
  });

  it("a middleware refusal reaches the client as an error with its data", T, async () => {
    const socket = ioV2(`${URL_BASE}/guarded?token=wrong`, { forceNew: true, reconnection: false });
    open.push(socket);
    const [err] = await once(socket, "error");
    assert.deepEqual(err, { code: 42 });
    socket.close();
  });

  it("an unknown namespace is refused", T, async () => {
    const socket = ioV2(`${URL_BASE}/nope`, { forceNew: true, reconnection: false });
    open.push(socket);
    const [err] = await once(socket, "error");
    assert.deepEqual(err, { message: "Invalid namespace" });
    socket.close();
  });

  it("a socket of another namespace has the id nsp#engineId", T, async () => {
    const socket = ioV2(`${URL_BASE}/dyn-5`, { forceNew: true, reconnection: false });
    open.push(socket);
    await once(socket, "hello");
    assert.equal(socket.id, `/dyn-5#${socket.io.engine.id}`);
    socket.close();
  });
});

describe("v2 and v4 clients together", () => {
  it("share rooms and broadcasts, each in its own encoding", T, async () => {
    const { socket: old } = await connectV2();
    const modern = await connectV4();
    const sender = await connectV4();
    await ackV2(old, "join", ["mixed"]);
    await modern.emitWithAck("join", ["mixed"]);
    const got = [once(old, "room-message"), once(modern, "room-message")];
    sender.emit("to-rooms", ["mixed"], "to both");
    assert.deepEqual((await Promise.all(got)).map(([m]) => m), ["to both", "to both"]);
    // And a v2 client sending to a room that holds a v4 client.
    const back = once(modern, "room-message");
    old.emit("to-rooms", ["mixed"], "from v2");
    assert.deepEqual(await back, ["from v2"]);
    // Binary broadcast to both.
    const bins = [once(old, "all"), once(modern, "all"), once(sender, "all")];
    sender.emit("emit-all", Buffer.from([7, 7]));
    for (const [b] of await Promise.all(bins)) assert.deepEqual([...b], [7, 7]);
    old.close();
    modern.disconnect();
    sender.disconnect();
  });

  it("the server's emit_with_ack works with a v2 client", T, async () => {
    const { socket } = await connectV2();
    socket.on("question", (a, b, callback) => callback({ got: [a, b] }));
    const answer = once(socket, "answer");
    socket.emit("ask", 2000);
    assert.deepEqual(await answer, [{ got: [1, "two"] }]);
    socket.close();
  });

  it("a v2 client's heartbeats keep it connected", T, async () => {
    const { socket } = await connectV2("/", { transports: ["websocket"] });
    let disconnected = false;
    socket.on("disconnect", () => (disconnected = true));
    await sleep(3500); // pingInterval 1 s, pingTimeout 1 s: three heartbeats
    assert.equal(disconnected, false);
    assert.deepEqual(await ackV2(socket, "ack", "alive"), ["alive"]);
    socket.close();
  });
});
