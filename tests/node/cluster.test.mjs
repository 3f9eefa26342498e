// A mixed cluster on one redis-server: socketry nodes A and B (Redis adapter) and Node node N
// (socket.io 4.8 on @socket.io/redis-streams-adapter 0.3), with socket.io-client v4 clients on
// each. Every operation is tried from every node. Run by tests/tests/e2e.rs (row `cluster`),
// which starts the nodes (tests/support/cluster_server.rs, tests/node/cluster-node.mjs).

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { io } from "socket.io-client";
import { sleep, within, once } from "./helpers.mjs";

const NODES = {
  A: process.env.SOCKETRY_URL,
  B: process.env.SOCKETRY_URL_B,
  N: process.env.NODE_URL,
};
const T = { timeout: 20000 };
const open = [];
after(() => open.forEach((s) => s.disconnect()));

const ack = (socket, ...args) => within(6000, socket.emitWithAck(...args), `ack of ${args[0]}`);

async function client(node, name, opts = {}) {
  const socket = io(NODES[node] + (opts.nsp ?? ""), { forceNew: true, transports: ["websocket"], auth: { name }, ...opts });
  open.push(socket);
  if (opts.auth?.quiet) {
    await within(8000, new Promise((r) => socket.once("connect", r)), `${name} connects`);
  } else {
    const [welcome] = await once(socket, "welcome", 8000);
    assert.equal(welcome, node, `${name} is on ${node}`);
  }
  return socket;
}

/** One client per node, each in `room`. */
async function trio(room, prefix) {
  const clients = {};
  for (const node of Object.keys(NODES)) {
    clients[node] = await client(node, `${prefix}-${node}`);
    await ack(clients[node], "join", room);
  }
  return clients;
}

/** Every event `event` `socket` receives from now on. */
function record(socket, event) {
  const got = [];
  socket.on(event, (...args) => got.push(args));
  return got;
}

describe("a cluster of two socketry nodes and one Node node", () => {
  it("counts three servers on every node", T, async () => {
    for (const node of Object.keys(NODES)) {
      const s = await client(node, `count-${node}`);
      assert.equal(await ack(s, "count"), 3, `server count on ${node}`);
    }
  });

  it("delivers room broadcasts from every node to every node's clients, once each", T, async () => {
    const clients = await trio("bcast", "b");
    const got = Object.fromEntries(Object.entries(clients).map(([n, s]) => [n, record(s, "said")]));
    for (const from of Object.keys(NODES)) clients[from].emit("say", "bcast", `hi from ${from}`);
    await sleep(1000);
    // Each event carries its stream offset last (recovery is on): left out here.
    for (const [node, events] of Object.entries(got).map(([n, e]) => [n, e.map((a) => a.slice(0, 2))])) {
      const expected = Object.keys(NODES).filter((n) => n !== node).map((n) => [`hi from ${n}`, n]);
      assert.deepEqual(
        [...events].sort(), expected.sort(),
        `${node} hears every other node's sender once (and not its own)`,
      );
    }
  });

  it("delivers broadcasts to the whole namespace across nodes", T, async () => {
    const clients = await trio("all", "all");
    const got = Object.fromEntries(Object.entries(clients).map(([n, s]) => [n, record(s, "shouted")]));
    clients.A.emit("shout", "from A");
    clients.N.emit("shout", "from N");
    await sleep(1000);
    for (const [node, events] of Object.entries(got).map(([n, e]) => [n, e.map((a) => a.slice(0, 2))])) {
      const mine = events.filter(([t]) => t === "from A" || t === "from N");
      assert.deepEqual([...mine].sort(), [["from A", "A"], ["from N", "N"]], `on ${node}`);
    }
  });

  it("gathers every node's acknowledgements", T, async () => {
    const clients = await trio("poll", "p");
    for (const [node, s] of Object.entries(clients)) s.on("question", (cb) => cb(`yes from ${node}`));
    for (const from of Object.keys(NODES)) {
      assert.deepEqual(
        await ack(clients[from], "poll", "poll"),
        ["yes from A", "yes from B", "yes from N"],
        `asked from ${from}`,
      );
    }
  });

  it("fetches the sockets of every node, with rooms, data and handshake", T, async () => {
    const clients = await trio("fetch", "f");
    for (const from of Object.keys(NODES)) {
      const found = await ack(clients[from], "fetch", "fetch");
      assert.equal(found.length, 3, `from ${from}: ${JSON.stringify(found)}`);
      for (const [node, s] of Object.entries(clients)) {
        const mine = found.find((f) => f.id === s.id);
        assert.ok(mine, `${node}'s socket listed from ${from}`);
        assert.deepEqual(mine.rooms, [s.id, "fetch"].sort());
        assert.deepEqual(mine.data, { name: `f-${node}`, node });
        assert.match(mine.url, /^\/socket\.io\/\?EIO=4/);
      }
      assert.equal(await ack(clients[from], "room-size", "fetch"), 3, `the room's size from ${from}`);
      assert.equal(await ack(clients[from], "room-size", "nobody-here"), 0);
    }
  });

  it("makes sockets of other nodes join, leave and disconnect", T, async () => {
    for (const [from, to] of [["A", "N"], ["N", "B"], ["B", "A"]]) {
      const asker = await client(from, `ask-${from}`);
      const target = await client(to, `target-${to}`);
      await ack(asker, "remote-join", target.id, "club");
      await sleep(300);
      assert.deepEqual(await ack(target, "my-rooms"), [target.id, "club"].sort(), `${from} → ${to} join`);
      await ack(asker, "remote-leave", target.id, "club");
      await sleep(300);
      assert.deepEqual(await ack(target, "my-rooms"), [target.id], `${from} → ${to} leave`);
      const gone = once(target, "disconnect", 5000);
      await ack(asker, "remote-kick", target.id);
      assert.equal((await gone)[0], "io server disconnect", `${from} → ${to} disconnect`);
    }
  });

  it("emits to the other servers, with and without acknowledgements", T, async () => {
    const asked = { A: ["B", "N"], B: ["A", "N"], N: ["A", "B"] };
    for (const from of Object.keys(NODES)) {
      const s = await client(from, `sse-${from}`);
      assert.deepEqual(await ack(s, "ask-servers"), asked[from], `answers to ${from}`);
    }
    const listeners = {};
    for (const node of Object.keys(NODES)) {
      listeners[node] = record(await client(node, `note-${node}`), "noted");
    }
    const sender = await client("B", "note-sender");
    await ack(sender, "note-servers", "n1");
    await sleep(800);
    for (const [node, got] of Object.entries(listeners)) {
      const notes = got.filter(([t]) => t === "n1").map(([, by]) => by);
      // Each other server re-emits to every client of the cluster; B does not hear itself.
      assert.deepEqual([...notes].sort(), ["A", "N"], `${node} heard: ${JSON.stringify(got)}`);
    }
  });

  /** Drops `socket`'s connection as a network does; it reconnects to node `to`. */
  function dropTo(socket, to) {
    const back = new Promise((resolve) => socket.once("connect", resolve));
    socket.io.uri = NODES[to];
    socket.io.engine.close();
    return within(8000, back, `reconnection to ${to}`);
  }

  for (const [from, to] of [["A", "B"], ["A", "N"], ["N", "A"], ["B", "A"]]) {
    it(`recovers a client that moves from ${from} to ${to}: id, rooms, data, missed packets once`, T, async () => {
      const room = `move-${from}-${to}`;
      const mover = await client(from, `mover-${from}${to}`, { transports: ["websocket"] });
      const speaker = await client("B" === from || "B" === to ? "N" : "B", `speaker-${from}${to}`);
      await ack(mover, "join", room);
      const heard = record(mover, "said");
      speaker.emit("say", room, "before");
      await within(3000, (async () => { while (!heard.length) await sleep(20); })(), "the first event");
      const id = mover.id;
      const back = dropTo(mover, to);
      await sleep(50);
      speaker.emit("say", room, "missed 1");
      speaker.emit("say", room, "missed 2");
      await back;
      assert.equal(mover.recovered, true, "recovered");
      assert.equal(mover.id, id, "same id");
      const state = await ack(mover, "state");
      assert.equal(state.recovered, true);
      assert.deepEqual(state.rooms, [id, room].sort(), "rooms kept");
      assert.deepEqual(state.data, { name: `mover-${from}${to}`, node: from }, "data kept");
      await sleep(300);
      speaker.emit("say", room, "after");
      await sleep(500);
      assert.deepEqual(heard.map(([t]) => t), ["before", "missed 1", "missed 2", "after"], "each once, in order");
    });
  }

  it("recovers on another socketry node a client that received no event yet", T, async () => {
    const mover = await client("A", "quiet-mover", { auth: { name: "quiet", quiet: true } });
    await ack(mover, "join", "quiet-room");
    const id = mover.id;
    const speaker = await client("N", "quiet-speaker");
    const heard = record(mover, "said");
    const back = dropTo(mover, "B");
    await sleep(50);
    speaker.emit("say", "quiet-room", "missed");
    await back;
    assert.equal(mover.recovered, true);
    assert.equal(mover.id, id);
    await sleep(300);
    assert.deepEqual(heard.map(([t]) => t), ["missed"]);
  });

  it("never replays a volatile event, across socketry nodes", T, async () => {
    const mover = await client("A", "vol-mover");
    await ack(mover, "join", "vol-room");
    const speaker = await client("B", "vol-speaker");
    const heard = record(mover, "said");
    const back = dropTo(mover, "B");
    await sleep(50);
    speaker.emit("volatile-say", "vol-room", "volatile");
    speaker.emit("say", "vol-room", "kept");
    await back;
    assert.equal(mover.recovered, true);
    await sleep(300);
    assert.deepEqual(heard.map(([t]) => t), ["kept"]);
  });

  // With three streams, "/chat" and "/news" are on streams other than "/"'s (the package's hash).
  for (const nsp of ["/chat", "/news"]) {
    it(`carries the broadcasts and recoveries of namespace ${nsp}`, T, async () => {
      const clients = {};
      for (const node of Object.keys(NODES)) {
        clients[node] = await client(node, `${nsp}-${node}`, { nsp });
        await ack(clients[node], "join", "ns-room");
      }
      const got = Object.fromEntries(Object.entries(clients).map(([n, s]) => [n, record(s, "said")]));
      for (const from of Object.keys(NODES)) clients[from].emit("say", "ns-room", `hi from ${from}`);
      await sleep(1000);
      for (const [node, events] of Object.entries(got)) {
        const expected = Object.keys(NODES).filter((n) => n !== node).map((n) => `hi from ${n}`);
        assert.deepEqual(events.map(([t]) => t).sort(), expected, `${node} in ${nsp}`);
      }
      // A plain broadcast of the namespace, from a Node node, reaches the socketry nodes too.
      clients.N.emit("nsp-say", "ns-room", "to all");
      await sleep(500);
      for (const [node, events] of Object.entries(got)) {
        assert.equal(events.filter(([t]) => t === "to all").length, 1, `${node} hears N's once`);
      }
      const mover = clients.A;
      got.A.length = 0;
      const id = mover.id;
      const back = dropTo(mover, "N");
      await sleep(50);
      clients.B.emit("say", "ns-room", "missed 1");
      clients.N.emit("say", "ns-room", "missed 2");
      await back;
      assert.equal(mover.recovered, true, "recovered on N");
      assert.equal(mover.id, id);
      const state = await ack(mover, "state");
      assert.deepEqual(state.rooms, [id, "ns-room"].sort());
      await sleep(300);
      assert.deepEqual(got.A.map(([t]) => t).sort(), ["missed 1", "missed 2"], "each once");
    });
  }

  it("leaves the channels of a dynamic namespace its last socket left, and carries it again once rejoined", T, async () => {
    const nsp = "/dyn-7";
    // How many nodes listen on the namespace's channel (one server only: the row that knows
    // redis-server's port).
    const listening = () => {
      const port = process.env.REDIS_PORT;
      if (!port) return null;
      const command = process.env.SHARDED ? "SHARDNUMSUB" : "NUMSUB";
      const out = execFileSync("redis-cli", ["-p", port, "PUBSUB", command, `socket.io#${nsp}#`]);
      return Number(out.toString().trim().split("\n").pop());
    };
    const pair = async (tag) => {
      const a = await client("A", `${tag}-A`, { nsp });
      const b = await client("B", `${tag}-B`, { nsp });
      for (const s of [a, b]) await ack(s, "join", "dyn-room");
      return [a, b];
    };
    let [a, b] = await pair("dyn1");
    if (listening() !== null) assert.equal(listening(), 2, "A and B listen");
    a.disconnect();
    b.disconnect();
    if (listening() !== null) {
      for (let i = 0; i < 60 && listening() !== 0; i++) await sleep(50);
      assert.equal(listening(), 0, "both left the channel of the emptied namespace");
    }
    [a, b] = await pair("dyn2");
    if (listening() !== null) assert.equal(listening(), 2, "listening again");
    const heard = record(b, "said");
    a.emit("say", "dyn-room", "across again");
    await sleep(500);
    assert.deepEqual(heard.map(([t]) => t), ["across again"]);
    const count = await ack(a, "nsp-count");
    assert.equal(count, 2, "the namespace's server count: A and B");
  });

  // Last: node A does not come back.
  it("recovers the clients of a socketry node that shuts down on the other nodes (a rolling deploy)", T, async () => {
    const toB = await client("A", "deploy-b");
    const toN = await client("A", "deploy-n");
    const speaker = await client("B", "deploy-speaker");
    for (const s of [toB, toN]) await ack(s, "join", "deploy");
    const heard = { toB: record(toB, "said"), toN: record(toN, "said") };
    speaker.emit("say", "deploy", "before");
    await within(3000, (async () => { while (!heard.toB.length || !heard.toN.length) await sleep(20); })(), "the first event");
    const ids = { toB: toB.id, toN: toN.id };
    const back = [toB, toN].map((s) => within(8000, new Promise((r) => s.once("connect", r)), "reconnection"));
    toB.io.uri = NODES.B;
    toN.io.uri = NODES.N;
    const trigger = await client("A", "deploy-trigger");
    const closed = once(toB, "disconnect", 5000);
    trigger.emit("shutdown-node");
    assert.equal((await closed)[0], "transport close", "node A went away");
    speaker.emit("say", "deploy", "missed");
    await Promise.all(back);
    for (const [who, s] of Object.entries({ toB, toN })) {
      assert.equal(s.recovered, true, `${who} recovered`);
      assert.equal(s.id, ids[who], `${who} kept its id`);
    }
    await sleep(300);
    assert.deepEqual(heard.toB.map(([t]) => t), ["before", "missed"]);
    assert.deepEqual(heard.toN.map(([t]) => t), ["before", "missed"]);
  });
});
