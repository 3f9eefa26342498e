// An adapter written outside the crate (tests/support/adapter_server.rs), driven with the npm
// socket.io-client v4: rooms, broadcasts, broadcasts with acknowledgements, fetchSockets with a
// socket of another node described from plain data, server-side emit with and without
// acknowledgements, and a session restored from its serialized form only. Run by
// tests/tests/e2e.rs (row `adapter`).

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { URL_BASE, sleep, within, once } from "./helpers.mjs";

const T = { timeout: 15000 };
const open = [];
after(() => open.forEach((s) => s.disconnect()));

const ack = (socket, ...args) => within(3000, socket.emitWithAck(...args), `ack of ${args[0]}`);

async function client(opts = {}) {
  const socket = io(URL_BASE, { forceNew: true, ...opts });
  open.push(socket);
  await once(socket, "welcome");
  return socket;
}

for (const transport of ["websocket", "polling"]) {
  describe(`an adapter from outside the crate, over ${transport}`, () => {
    const opts = { transports: [transport] };

    it("keeps rooms and broadcasts to them, the sender excepted", T, async () => {
      const [a, b, c] = [await client(opts), await client(opts), await client(opts)];
      const room = `r-${transport}`;
      await ack(a, "join", room);
      await ack(b, "join", room);
      const heard = once(b, "said");
      let cHeard = false;
      c.on("said", () => (cHeard = true));
      a.emit("say", room, "hi", 2);
      assert.deepEqual(await heard, ["hi", 2]);
      await sleep(100);
      assert.equal(cHeard, false, "a socket outside the room hears nothing");
      await ack(b, "leave", room);
      let bHeard = false;
      b.on("said", () => (bHeard = true));
      a.emit("say", room, "again");
      await sleep(100);
      assert.equal(bHeard, false, "a socket that left hears nothing");
    });

    it("collects the acknowledgements of a room", T, async () => {
      const [a, b] = [await client(opts), await client(opts)];
      const room = `poll-${transport}`;
      for (const [s, answer] of [[a, "yes"], [b, "no"]]) {
        s.on("question", (cb) => cb(answer));
        await ack(s, "join", room);
      }
      const answers = await ack(a, "poll", room);
      assert.deepEqual([...answers].sort(), ["no", "yes"]);
    });

    it("fetches this node's sockets and the other node's, from plain data", T, async () => {
      const a = await client(opts);
      await ack(a, "name", "ann");
      await ack(a, "join", "everyone");
      const found = await ack(a, "fetch", "everyone");
      const mine = found.find((s) => s.id === a.id);
      assert.deepEqual(mine.rooms, [a.id, "everyone"].sort());
      assert.equal(mine.name, "ann");
      const remote = found.find((s) => s.id === "remote-socket-on-node-b");
      assert.ok(remote, "the other node's socket is listed");
      assert.equal(remote.name, "bea");
      assert.equal(remote.address, "10.0.0.2:40000");
    });

    it("counts servers and emits to the other ones, with and without acknowledgements", T, async () => {
      const a = await client(opts);
      const { count, sent, answers } = await ack(a, "servers");
      assert.equal(count, 2);
      assert.equal(sent, true);
      assert.deepEqual(answers, ["node-b got ping"]);
      const emitted = await ack(a, "emitted");
      assert.deepEqual(emitted.slice(-3), ["hello", "from", 1]);
    });

    it("disconnects the sockets of a room", T, async () => {
      const [a, b] = [await client(opts), await client(opts)];
      const room = `kick-${transport}`;
      await ack(b, "join", room);
      const gone = once(b, "disconnect");
      await ack(a, "kick", room);
      assert.equal((await gone)[0], "io server disconnect");
    });

    it("restores a session from its serialized form: id, rooms, and the data that crosses nodes", T, async () => {
      const a = await client(opts);
      await ack(a, "name", "cy");
      await ack(a, "join", "kept");
      const id = a.id;
      const before = await ack(a, "whoami");
      assert.equal(before.local, 7);
      const welcomed = once(a, "welcome", 8000);
      a.io.engine.close();
      assert.deepEqual(await welcomed, [true], "recovered");
      assert.equal(a.id, id);
      const after = await ack(a, "whoami");
      assert.deepEqual(after.name, { name: "cy" }, "the serialized entry is back");
      assert.equal(after.local, null, "the node-local entry did not cross");
      assert.deepEqual(after.rooms, [id, "kept"].sort());
    });
  });
}
