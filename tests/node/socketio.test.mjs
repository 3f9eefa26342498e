// Socket.IO v5 end to end with the npm socket.io-client v4. Run by tests/tests/e2e.rs (row `socket_io`),
// which starts the server of tests/support/sio_server.rs.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { WebSocket as NodeWebSocket } from "ws";
import { io } from "socket.io-client";
import { URL_BASE, WS_BASE, sleep, within, once, rawWebSocket, connector, connected } from "./helpers.mjs";

const T = { timeout: 15000 };
const open = [];
after(() => open.forEach((s) => s.disconnect()));

const connect = connector(io, open);

/** Connects and collects the server's "welcome" event too. */
async function connectWelcome(nsp = "/", opts = {}) {
  const socket = io(`${URL_BASE}${nsp}`, { forceNew: true, reconnection: false, ...opts });
  open.push(socket);
  const welcome = once(socket, "welcome");
  await connected(socket, `connect to ${nsp}`);
  const [w] = await welcome;
  return { socket, welcome: w };
}

async function control(path) {
  const res = await fetch(`${URL_BASE}/control/${path}`);
  return res.headers.get("content-type")?.includes("json") ? res.json() : res.text();
}

/** The reason the server gave for socket `id` leaving, once it has. */
async function serverReason(id, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const reason = await control(`reason/${id}`);
    if (reason) return reason;
    await sleep(20);
  }
  throw new Error(`socket ${id} never disconnected on the server`);
}

const emitAck = (socket, ...args) => within(5000, socket.emitWithAck(...args), `ack of ${args[0]}`);

for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
  describe(`connection over ${transports.join(" then ")}`, () => {
    it("connects with its own id, auth and query", T, async () => {
      const { socket, welcome } = await connectWelcome("/", {
        transports,
        auth: { token: "abc" },
        query: { room: "r1" },
      });
      assert.equal(welcome.id, socket.id);
      assert.notEqual(welcome.id, welcome.engineId); // socket.id is not the Engine.IO id
      assert.equal(welcome.engineId, socket.io.engine.id);
      assert.deepEqual(welcome.auth, { token: "abc" });
      assert.equal(welcome.query.room, "r1");
      assert.equal(welcome.query.EIO, "4");
      socket.disconnect();
    });

    it("sends events both ways, in order, with several arguments", T, async () => {
      const socket = await connect("/", { transports });
      const n = 100;
      const got = [];
      const done = new Promise((resolve) => {
        socket.on("echo", (...args) => {
          got.push(args);
          if (got.length === n) resolve();
        });
      });
      for (let i = 0; i < n; i++) socket.emit("echo", i, `é✓😀${i}`, { nested: [i, null, true] });
      await within(5000, done, "echoes");
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => [i, `é✓😀${i}`, { nested: [i, null, true] }]));
      socket.disconnect();
    });

    it("carries binary attachments at any depth, both ways", T, async () => {
      const socket = await connect("/", { transports });
      const echo = once(socket, "echo");
      socket.emit("echo", Buffer.from([1, 2, 3]), { file: { name: "f", data: Buffer.from([4, 5]) } }, [Buffer.from([6])]);
      const [a, b, c] = await echo;
      assert.deepEqual([...a], [1, 2, 3]);
      assert.equal(b.file.name, "f");
      assert.deepEqual([...b.file.data], [4, 5]);
      assert.deepEqual([...c[0]], [6]);
      const acked = await emitAck(socket, "ack", { bin: Buffer.from([9, 8, 7]) }, "text");
      assert.deepEqual([...acked.bin], [9, 8, 7]);
      socket.disconnect();
    });

    it("re-emits dynamic values with their binary and key order; null is an argument", T, async () => {
      const socket = await connect("/", { transports });
      const echo = once(socket, "values");
      const obj = { z: 1, a: { bin: Buffer.from([7]) }, m: [Buffer.from([8, 9]), null] };
      const answer = await emitAck(socket, "values", "a", obj, Buffer.from([5]));
      const [o, b] = await echo;
      assert.deepEqual(Object.keys(o), ["z", "a", "m"]);
      assert.deepEqual([...o.a.bin], [7]);
      assert.deepEqual([...o.m[0]], [8, 9]);
      assert.equal(o.m[1], null);
      assert.deepEqual([...b], [5]);
      assert.deepEqual([...answer.bin], [7]);
      const nul = once(socket, "null");
      const acked = await new Promise((resolve) => socket.emit("null", (...a) => resolve(a)));
      assert.deepEqual(acked, [null]);
      assert.deepEqual(await nul, [null]);
      socket.disconnect();
    });

    it("answers acknowledgements, with several arguments", T, async () => {
      const socket = await connect("/", { transports });
      const args = await new Promise((resolve) => socket.emit("ack", 1, "two", [3], (...a) => resolve(a)));
      assert.deepEqual(args, [1, "two", [3]]);
      assert.deepEqual(await emitAck(socket, "typed", "x", 21), { ok: "x:42" });
      assert.match((await emitAck(socket, "typed", "x", "not a number")).error, /invalid/);
      socket.disconnect();
    });
  });
}

describe("acknowledgements from the server", () => {
  it("emit_with_ack gets the client's answer", T, async () => {
    const socket = await connect();
    socket.on("question", (a, b, callback) => callback({ got: [a, b] }));
    const answer = once(socket, "answer");
    socket.emit("ask", 2000);
    assert.deepEqual((await answer)[0], { got: [1, "two"] });
    socket.disconnect();
  });

  it("emit_with_ack fails with a timeout when the client does not answer", T, async () => {
    const socket = await connect();
    socket.on("question", () => {}); // never calls back
    const failed = once(socket, "ask-failed");
    socket.emit("ask", 200);
    assert.deepEqual(await failed, ["timeout"]);
    socket.disconnect();
  });

  it("a broadcast with acks collects every client's answer, and times out the silent ones", T, async () => {
    const clients = await Promise.all([connect(), connect(), connect()]);
    clients.forEach((c, i) => c.on("poll", (callback) => (i < 2 ? callback(`answer ${i}`) : null)));
    const results = once(clients[0], "poll-results");
    clients[0].emit("poll-all", 300);
    const [r] = await results;
    assert.ok(r.count >= 3);
    assert.ok(r.answers.includes("answer 0") && r.answers.includes("answer 1"));
    assert.ok(r.failures.includes("timeout"));
    clients.forEach((c) => c.disconnect());
  });
});

describe("rooms and broadcasting", () => {
  it("each socket is in the room named by its id; join and leave", T, async () => {
    const socket = await connect();
    assert.deepEqual(await emitAck(socket, "rooms"), [socket.id].sort());
    assert.deepEqual(await emitAck(socket, "join", ["a", "b"]), [socket.id, "a", "b"].sort());
    await emitAck(socket, "leave", "a");
    assert.deepEqual(await emitAck(socket, "rooms"), [socket.id, "b"].sort());
    socket.disconnect();
  });

  it("to() reaches a union of rooms once each, never the sender", T, async () => {
    const [sender, inA, inB, inBoth, outside] = await Promise.all([connect(), connect(), connect(), connect(), connect()]);
    await emitAck(sender, "join", ["a"]);
    await emitAck(inA, "join", ["a"]);
    await emitAck(inB, "join", ["b"]);
    await emitAck(inBoth, "join", ["a", "b"]);
    const got = new Map();
    for (const [name, s] of Object.entries({ sender, inA, inB, inBoth, outside })) {
      got.set(name, []);
      s.on("room-message", (m) => got.get(name).push(m));
    }
    sender.emit("to-rooms", ["a", "b"], "hi");
    await sleep(300);
    assert.deepEqual(got.get("inA"), ["hi"]);
    assert.deepEqual(got.get("inB"), ["hi"]);
    assert.deepEqual(got.get("inBoth"), ["hi"]);
    assert.deepEqual(got.get("sender"), []);
    assert.deepEqual(got.get("outside"), []);
    [sender, inA, inB, inBoth, outside].forEach((s) => s.disconnect());
  });

  it("broadcast() reaches everyone but the sender; emit to all and except() as expected", T, async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    await emitAck(c, "join", ["muted"]);
    const counts = { a: [], b: [], c: [] };
    for (const [k, s] of Object.entries({ a, b, c })) {
      s.on("broadcast", (m) => counts[k].push(["broadcast", m]));
      s.on("all", (m) => counts[k].push(["all", m]));
      s.on("except-message", (m) => counts[k].push(["except", m]));
    }
    a.emit("broadcast", "x");
    a.emit("emit-all", "y");
    a.emit("emit-except", "muted", "z");
    await sleep(300);
    assert.deepEqual(counts.a, [["all", "y"], ["except", "z"]]);
    assert.deepEqual(counts.b, [["broadcast", "x"], ["all", "y"], ["except", "z"]]);
    assert.deepEqual(counts.c, [["broadcast", "x"], ["all", "y"]]);
    [a, b, c].forEach((s) => s.disconnect());
  });

  it("sockets_join, sockets_leave, fetch_sockets and disconnect_sockets act on a room", T, async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    await emitAck(b, "join", ["team"]);
    // Everyone in "team" joins "extra"; then a asks who is in its own room.
    await emitAck(a, "room-ops", "join", "team", "extra");
    assert.deepEqual(await emitAck(b, "rooms"), [b.id, "extra", "team"].sort());
    await emitAck(a, "room-ops", "leave", "team", "extra");
    assert.deepEqual(await emitAck(b, "rooms"), [b.id, "team"].sort());
    assert.deepEqual(await emitAck(a, "room-ops", "none", "team", ""), [a.id]);
    const bGone = once(b, "disconnect");
    await emitAck(a, "room-ops", "disconnect", "team", "");
    assert.equal((await bGone)[0], "io server disconnect");
    assert.equal(a.connected, true);
    a.disconnect();
  });

  it("fetch_sockets finds the sockets of a room, with their rooms and handshake; they can be emitted to", T, async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    await emitAck(a, "join", ["fetched"]);
    await emitAck(b, "join", ["fetched", "other"]);
    const hello = [once(a, "remote-hello"), once(b, "remote-hello")];
    let cGot = false;
    c.on("remote-hello", () => (cGot = true));
    const byId = (x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
    const found = (await emitAck(c, "fetch-room", "fetched")).sort(byId);
    const expected = [
      { id: a.id, rooms: [a.id, "fetched"].sort(), ns: "/", eio: "4" },
      { id: b.id, rooms: [b.id, "fetched", "other"].sort(), ns: "/", eio: "4" },
    ].sort(byId);
    assert.deepEqual(found, expected);
    assert.deepEqual((await Promise.all(hello)).map(([r]) => r), ["fetched", "fetched"]);
    await sleep(100);
    assert.equal(cGot, false);
    [a, b, c].forEach((s) => s.disconnect());
  });

  it("server_side_emit says clearly that the in-memory adapter has no other servers", T, async () => {
    const socket = await connect();
    assert.match(await emitAck(socket, "server-side"), /does not support the serverSideEmit\(\) functionality/);
    socket.disconnect();
  });

  it("volatile packets are dropped while a connection has packets waiting, others are not", T, async () => {
    const socket = await connect("/", { transports: ["polling"] });
    const bursts = [];
    let volatileGot = 0;
    socket.on("burst", (i) => bursts.push(i));
    socket.on("volatile", () => volatileGot++);
    socket.emit("volatile-burst", 50);
    await sleep(500);
    assert.deepEqual(bursts, Array.from({ length: 50 }, (_, i) => i));
    assert.equal(volatileGot, 0);
    socket.disconnect();
  });

  it("a disconnected socket leaves every room; disconnecting still saw them", T, async () => {
    const socket = await connect();
    await emitAck(socket, "join", ["leak-check-1", "leak-check-2"]);
    const id = socket.id;
    socket.disconnect();
    assert.equal(await serverReason(id), "client namespace disconnect");
    assert.deepEqual(await control(`disconnecting-rooms/${id}`), [id, "leak-check-1", "leak-check-2"].sort());
    const state = await control("state");
    assert.ok(!state.rooms.includes("leak-check-1"));
    assert.ok(!state.rooms.includes(id));
  });
});

describe("namespaces and middlewares", () => {
  it("a middleware refusal reaches the client as connect_error with data", T, async () => {
    const socket = io(`${URL_BASE}/guarded`, { forceNew: true, reconnection: false, auth: { token: "wrong" } });
    open.push(socket);
    const [err] = await once(socket, "connect_error");
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { code: 42 });
    assert.equal(socket.connected, false);
  });

  it("middlewares run in order and can give the socket data", T, async () => {
    const { socket, welcome } = await connectWelcome("/guarded", { auth: { token: "secret" } });
    assert.equal(welcome, "secret");
    socket.disconnect();
  });

  it("an unknown namespace is refused with Invalid namespace", T, async () => {
    const socket = io(`${URL_BASE}/nope`, { forceNew: true, reconnection: false });
    open.push(socket);
    const [err] = await once(socket, "connect_error");
    assert.equal(err.message, "Invalid namespace");
  });

  it("dynamic namespaces match a regex", T, async () => {
    const socket = io(`${URL_BASE}/dyn-42`, { forceNew: true, reconnection: false });
    open.push(socket);
    const [name] = await once(socket, "hello");
    assert.equal(name, "/dyn-42");
    const bad = io(`${URL_BASE}/dyn-x`, { forceNew: true, reconnection: false });
    open.push(bad);
    assert.equal((await once(bad, "connect_error"))[0].message, "Invalid namespace");
    socket.disconnect();
  });

  it("a dynamic namespace with a slow async check is created once under concurrent arrival", T, async () => {
    const before = (await control("state")).slowChecks;
    const clients = Array.from({ length: 10 }, () => io(`${URL_BASE}/slow-room`, { forceNew: true, reconnection: false }));
    open.push(...clients);
    const names = await Promise.all(clients.map((c) => once(c, "hello").then(([n]) => n)));
    assert.deepEqual(new Set(names), new Set(["/slow-room"]));
    assert.ok(clients.every((c) => c.connected));
    const state = await control("state");
    // Every client's check may run, but the namespace is created once: all ten sockets are in
    // the one the server knows by that name.
    assert.ok(state.slowChecks - before >= 1);
    assert.equal(state.slowRoomSockets, 10);
    clients.forEach((c) => c.disconnect());
  });

  it("one connection can join several namespaces", T, async () => {
    const main = io(`${URL_BASE}/`, { reconnection: false, forceNew: true });
    open.push(main);
    await once(main, "connect");
    const other = main.io.socket("/dyn-7");
    open.push(other);
    const [name] = await once(other, "hello");
    assert.equal(name, "/dyn-7");
    assert.equal(main.io.engine.id, other.io.engine.id);
    main.disconnect();
    other.disconnect();
  });
});

describe("disconnection", () => {
  it("server namespace disconnect and forced server close", T, async () => {
    const a = await connect();
    const aId = a.id;
    const reason = once(a, "disconnect");
    a.emit("disconnect-me", false);
    assert.equal((await reason)[0], "io server disconnect");
    assert.equal(await serverReason(aId), "server namespace disconnect");

    const b = await connect();
    const bId = b.id;
    const bReason = once(b, "disconnect");
    b.emit("disconnect-me", true);
    assert.equal((await bReason)[0], "io server disconnect");
    assert.equal(await serverReason(bId), "server namespace disconnect");
  });

  it("transport close when the client's connection drops", T, async () => {
    for (const transports of [["polling"], ["websocket"]]) {
      const socket = await connect("/", { transports });
      const id = socket.id;
      socket.io.engine.close();
      assert.equal(await serverReason(id), "transport close");
    }
  });

  it("ping timeout when a raw client stops answering", T, async () => {
    const ws = rawWebSocket(`${WS_BASE}/socket.io/?EIO=4&transport=websocket`);
    await ws.nextMessage();
    ws.send("40");
    const id = JSON.parse((await ws.nextMessage()).substring(2)).sid;
    assert.equal(await serverReason(id), "ping timeout");
  });

  it("parse error on a malformed packet, other clients unharmed", T, async () => {
    const good = await connect();
    const ws = rawWebSocket(`${WS_BASE}/socket.io/?EIO=4&transport=websocket`);
    await ws.nextMessage();
    ws.send("40");
    const id = JSON.parse((await ws.nextMessage()).substring(2)).sid;
    ws.send('42["echo"'); // truncated JSON
    await within(3000, ws.closed, "bad client closed");
    assert.equal(await serverReason(id), "parse error");
    assert.deepEqual(await emitAck(good, "ack", "still fine"), "still fine");
    good.disconnect();
  });

  for (const [what, frames] of [
    ["a reserved event name", ['42["disconnect"]']],
    ["JSON nested too deep", [`42["echo",${"[".repeat(500)}${"]".repeat(500)}]`]],
    ["a wrong attachment count", ['451-["echo",{"_placeholder":true,"num":1}]', Buffer.from([1])]],
    ["binary data without a binary packet", [Buffer.from([1, 2])]],
    ["an event name that is not a string", ['42[{"a":1}]']],
    ["a binary event announcing 0 attachments", ['450-1["ack","x"]']],
    ["a binary ack announcing 0 attachments", ['460-1["x"]']],
    ["an attachment count that is not a number", ['45x-["echo",{"_placeholder":true,"num":0}]']],
    ["more attachments than max_attachments (10)", ['4511-["echo"]']],
    ["more arguments than max_arguments (1024)", [`42["echo"${",0".repeat(1025)}]`]],
    ["an ack with more arguments than max_arguments", [`431[${"0,".repeat(1024)}0]`]],
  ]) {
    it(`parse error on ${what}`, T, async () => {
      const ws = rawWebSocket(`${WS_BASE}/socket.io/?EIO=4&transport=websocket`);
      await ws.nextMessage();
      ws.send("40");
      const id = JSON.parse((await ws.nextMessage()).substring(2)).sid;
      for (const f of frames) ws.send(f);
      await within(3000, ws.closed, "bad client closed");
      assert.equal(await serverReason(id), "parse error");
    });
  }

  it("takes max_arguments (1024) arguments and JSON max_json_depth (128) deep", T, async () => {
    const good = await connect();
    const args = Array.from({ length: 1024 }, (_, i) => i);
    // The "ack" handler answers with the arguments it got.
    assert.deepEqual(await emitAck(good, "ack", ...args), 0);
    let deep = 1;
    for (let i = 0; i < 127; i++) deep = [deep]; // 128 deep with the array of arguments
    assert.deepEqual(await emitAck(good, "ack", deep), deep);
    good.disconnect();
  });

  it("closes a connection that joins no namespace within connect_timeout", T, async () => {
    const ws = rawWebSocket(`${WS_BASE}/socket.io/?EIO=4&transport=websocket`);
    await ws.nextMessage();
    const started = Date.now();
    // Answer pings so that only the connect timeout can end it.
    ws.on("message", (d) => d.toString() === "2" && ws.send("3"));
    // connect_timeout is 2 s on the test server.
    await within(5000, ws.closed, "connection without CONNECT closed");
    assert.ok(Date.now() - started >= 1900);
  });

  for (const [what, frames] of [
    ["a second CONNECT to a joined namespace", ["40"]],
    ["an event for a namespace not joined", ['42/dyn-1,["echo"]']],
    ["a DISCONNECT for a namespace not joined", ["41/dyn-1,"]],
  ]) {
    it(`closes the connection on ${what}, as the reference does`, T, async () => {
      const ws = rawWebSocket(`${WS_BASE}/socket.io/?EIO=4&transport=websocket`);
      await ws.nextMessage();
      ws.send("40");
      const id = JSON.parse((await ws.nextMessage()).substring(2)).sid;
      for (const f of frames) ws.send(f);
      await within(3000, ws.closed, "connection closed");
      assert.equal(await serverReason(id), "forced server close");
    });
  }
});

describe("handlers", () => {
  it("an event sent the moment the client connects reaches the handler the connection handler registers", T, async () => {
    for (let i = 0; i < 50; i++) {
      const socket = io(URL_BASE, { forceNew: true, reconnection: false, transports: ["websocket"] });
      open.push(socket);
      await once(socket, "connect");
      const echo = once(socket, "echo", 2000);
      socket.emit("echo", i, Buffer.from([i]));
      const [n, b] = await echo;
      assert.equal(n, i);
      assert.deepEqual([...b], [i]);
      socket.disconnect();
    }
  });

  it("a panicking handler does not take the socket down", T, async () => {
    const socket = await connect();
    socket.emit("panic");
    assert.equal(await emitAck(socket, "ack", "alive"), "alive");
    socket.disconnect();
  });

  it("a slow handler does not delay the next events", T, async () => {
    const socket = await connect();
    const slow = emitAck(socket, "slow");
    const started = Date.now();
    assert.equal(await emitAck(socket, "ack", "fast"), "fast");
    assert.ok(Date.now() - started < 400, "the fast event waited for the slow one");
    assert.equal(await slow, "slow done");
    socket.disconnect();
  });

  it("on_any sees every incoming event before its handler; socket data persists", T, async () => {
    const socket = await connect();
    socket.emit("echo", 1, 2);
    await emitAck(socket, "ack");
    const log = await emitAck(socket, "any-log");
    // on_any_outgoing saw the echo going out.
    assert.deepEqual(log.filter((l) => !l.startsWith("out:welcome")).slice(0, 4), ["echo:2", "out:echo:2", "ack:0", "any-log:0"]);
    await emitAck(socket, "set-data", "kept");
    socket.disconnect();
  });
});

describe("a client that stops reading", () => {
  // The server under /small-queue queues at most 8 packets per client.
  const opts = { path: "/small-queue", transports: ["websocket"] };

  /** A polling client that connects to `/` (and joins `room`), then never polls again; gives
   * its socket id. */
  async function stalled(room) {
    const base = `${URL_BASE}/small-queue/?EIO=4&transport=polling`;
    const handshake = await (await fetch(base)).text();
    const url = `${base}&sid=${JSON.parse(handshake.substring(1)).sid}`;
    const post = async (body) =>
      assert.equal(await (await fetch(url, { method: "POST", body })).text(), "ok");
    await post("40");
    const reply = await (await fetch(url)).text();
    assert.match(reply, /^40/);
    if (room) {
      await post(`421${JSON.stringify(["join", room])}`);
      assert.equal(await (await fetch(url)).text(), '431["joined"]');
    }
    return JSON.parse(reply.substring(2)).sid;
  }

  for (const room of [undefined, "r"]) {
    const what = room ? "a broadcast to a room" : "a broadcast to all";
    it(`is dropped with transport error in the middle of ${what}; the others get all of it`, T, async () => {
      const fast = await connect("/", opts);
      if (room) assert.equal(await fast.timeout(3000).emitWithAck("join", room), "joined");
      const slowId = await stalled(room);
      const ticks = [];
      fast.on("tick", (i) => ticks.push(i));
      const flood = (n) => fast.timeout(5000).emitWithAck("flood", n, ...(room ? [room] : []));
      assert.equal(await flood(20), 20);
      await within(3000, (async () => { while (ticks.length < 20) await sleep(10); })(), "20 ticks");
      assert.deepEqual(ticks, [...Array(20).keys()]);
      assert.equal(await serverReason(slowId), "transport error");
      // The server goes on serving.
      assert.equal(await flood(1), 1);
      fast.disconnect();
    });
  }
});

describe("many clients that stop reading", () => {
  // The server under /slow-readers queues at most 1 MiB per client.
  const BOUND = 1 << 20;
  const base = `${URL_BASE}/slow-readers/?EIO=4`;

  /** A polling client connected to `/` that never polls again; gives its socket id. */
  async function stalledPolling() {
    const handshake = await (await fetch(`${base}&transport=polling`)).text();
    const url = `${base}&transport=polling&sid=${JSON.parse(handshake.substring(1)).sid}`;
    assert.equal(await (await fetch(url, { method: "POST", body: "40" })).text(), "ok");
    const reply = await (await fetch(url)).text();
    assert.match(reply, /^40/);
    return JSON.parse(reply.substring(2)).sid;
  }

  /** A WebSocket client connected to `/` whose TCP socket no longer reads; gives it and its
   * socket id. */
  async function stalledWebSocket() {
    const ws = rawWebSocket(`${WS_BASE}/slow-readers/?EIO=4&transport=websocket`);
    await ws.opened;
    assert.match(await ws.nextMessage(), /^0\{/);
    ws.send("40");
    const reply = await ws.nextMessage();
    assert.match(reply, /^40/);
    ws._socket.pause();
    return { ws, id: JSON.parse(reply.substring(2)).sid };
  }

  it("are each dropped at the byte bound; memory stays within it; the reader gets every message", { timeout: 60000 }, async () => {
    const rssBefore = Number(await control("rss"));
    const polling = await Promise.all(Array.from({ length: 20 }, stalledPolling));
    const sockets = await Promise.all(Array.from({ length: 20 }, stalledWebSocket));
    const stalled = [...polling, ...sockets.map((s) => s.id)];
    const fast = await connect("/", { path: "/slow-readers", transports: ["websocket"] });
    const got = [];
    fast.on("big", (i, payload, ack) => {
      if (payload.length === 65536) got.push(i);
      ack?.();
    });
    // 300 messages of 64 KiB: 19 MiB for each of 40 clients, were nothing dropped.
    const refused = await within(45000, fast.timeout(45000).emitWithAck("blast", 300, 65536), "blast");
    assert.deepEqual(got, [...Array(300).keys()], "the reader got every message, in order");
    assert.ok(refused >= stalled.length, `each stalled client refused at least one send (${refused})`);
    for (const id of stalled) assert.equal(await serverReason(id), "transport error", id);
    // What the 40 sessions held: at most twice the bound each (the queue, and the batch a
    // transport writes), far from the 760 MiB sent to them.
    const grown = Number(await control("rss")) - rssBefore;
    assert.ok(grown < 40 * 2 * BOUND + (48 << 20), `resident memory grew by ${grown >> 20} MiB`);
    // The dropped WebSockets are closed once they read again.
    for (const { ws } of sockets) ws._socket.resume();
    await within(10000, Promise.all(sockets.map(({ ws }) => ws.closed)), "stalled WebSockets closed");
    // The server goes on serving.
    const next = await connect("/", { path: "/slow-readers", transports: ["websocket"] });
    next.on("big", (_i, _p, ack) => ack?.());
    assert.equal(await next.timeout(5000).emitWithAck("blast", 1, 10), 0);
    fast.disconnect();
    next.disconnect();
  });
});

describe("the browser client (serveClient)", () => {
  const dist = new URL("../node_modules/socket.io-client/dist/", import.meta.url);
  const version = JSON.parse(readFileSync(new URL("../package.json", dist), "utf8")).version;

  for (const [name, type] of [
    ["socket.io.js", "application/javascript"],
    ["socket.io.min.js", "application/javascript"],
    ["socket.io.esm.min.js", "application/javascript"],
    ["socket.io.msgpack.min.js", "application/javascript"],
    ["socket.io.js.map", "application/json"],
  ]) {
    it(`serves ${name} from the installed package, with its version as ETag`, T, async () => {
      const res = await fetch(`${URL_BASE}/socket.io/${name}`, { headers: { "accept-encoding": "identity" } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), `${type}; charset=utf-8`);
      assert.equal(res.headers.get("etag"), `"${version}"`);
      assert.equal(res.headers.get("cache-control"), "public, max-age=0");
      const body = Buffer.from(await res.arrayBuffer());
      assert.ok(body.equals(readFileSync(new URL(name, dist))), "the package's file, byte for byte");
    });
  }

  it("answers 304 to a client that has this version (strong or weak ETag), 200 to an older one", T, async () => {
    for (const tag of [`"${version}"`, `W/"${version}"`]) {
      const res = await fetch(`${URL_BASE}/socket.io/socket.io.js`, { headers: { "if-none-match": tag } });
      assert.equal(res.status, 304, tag);
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    }
    const res = await fetch(`${URL_BASE}/socket.io/socket.io.js`, { headers: { "if-none-match": '"0.0.1"' } });
    assert.equal(res.status, 200);
  });

  it("compresses for a client that accepts gzip", T, async () => {
    const res = await fetch(`${URL_BASE}/socket.io/socket.io.min.js`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-encoding"), "gzip");
    // fetch decompresses: the body is the file.
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.equals(readFileSync(new URL("socket.io.min.js", dist))));
  });

  it("is a client that connects: the served bundle runs and talks to the server", T, async () => {
    const source = await (await fetch(`${URL_BASE}/socket.io/socket.io.js`)).text();
    // The UMD bundle defines `io` on the global object it is given (here with the `ws`
    // package as the browser's WebSocket; the real browser is the demo's test).
    const sandbox = { WebSocket: NodeWebSocket, setTimeout, clearTimeout, location: new URL(URL_BASE), navigator: {} };
    sandbox.self = sandbox;
    new Function("self", "globalThis", "window", source)(sandbox, sandbox, sandbox);
    assert.equal(typeof sandbox.io, "function");
    const socket = sandbox.io(URL_BASE, { transports: ["websocket"], forceNew: true });
    open.push(socket);
    await within(5000, new Promise((r) => socket.on("connect", r)), "connect");
    socket.disconnect();
  });
});
