// Typed events on the wire, with the npm socket.io-client v4. Run by tests/tests/e2e.rs (row `typed`),
// which starts the #[events]-typed server of tests/support/typed_server.rs.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { URL_BASE, sleep, within, once, connector } from "./helpers.mjs";

const T = { timeout: 15000 };
const open = [];
after(() => open.forEach((s) => s.disconnect()));

const connect = connector(io, open);

const ack = (socket, ...args) => within(3000, socket.emitWithAck(...args), `ack of ${args[0]}`);

for (const transport of ["websocket", "polling"]) {
  describe(`typed events over ${transport}`, () => {
    const opts = { transports: [transport] };

    it("delivers arguments of every kind in their declared order", T, async () => {
      for (const nsp of ["/", "/closures"]) {
        const socket = await connect(nsp, opts);
        const obj = { label: "x", values: [1.5, -2] };
        const echoed = once(socket, "echoed");
        socket.emit("echoArgs", 7, "seven", true, [1, -2, 3], obj);
        assert.deepEqual(await echoed, [7, "seven", true, [1, -2, 3], obj], nsp);
      }
    });

    it("answers acknowledgements with the declared type", T, async () => {
      for (const nsp of ["/", "/closures"]) {
        const socket = await connect(nsp, opts);
        assert.equal(await ack(socket, "add", 40, 2), 42, nsp);
        assert.equal(await ack(socket, "add", -5, 5), 0, nsp);
      }
      const socket = await connect("/", opts);
      // An event declared `-> ()` answers with no argument.
      assert.deepEqual(await new Promise((r) => socket.emit("join", "r", (...a) => r(a))), []);
    });

    it("carries Vec<u8> as binary attachments, both ways", T, async () => {
      for (const nsp of ["/", "/closures"]) {
        const socket = await connect(nsp, opts);
        const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
        const download = once(socket, "download");
        assert.equal(await ack(socket, "upload", "f.bin", bytes), 6, nsp);
        const [name, data] = await download;
        assert.equal(name, "f.bin");
        assert.ok(Buffer.isBuffer(data), "a Buffer, not an array of numbers");
        assert.deepEqual([...data], [...bytes]);
      }
    });

    it("uses renamed wire names", T, async () => {
      const socket = await connect("/", opts);
      const back = once(socket, "renamed:back");
      socket.emit("custom:name", "hello");
      assert.deepEqual(await back, ["hello"]);
      // The method's own name is not an event on the wire.
      const stray = [];
      socket.on("renamed:back", (v) => stray.push(v));
      socket.emit("renamed", "nope");
      await sleep(200);
      assert.deepEqual(stray, []);
    });

    it("decodes the client's acknowledgement into the declared type", T, async () => {
      const socket = await connect("/", opts);
      socket.on("question", (q, cb) => cb(q === "yes?"));
      const answered = once(socket, "answered");
      socket.emit("askMe", "yes?");
      assert.deepEqual(await answered, [true, null]);

      const wrong = await connect("/", opts);
      wrong.on("question", (_q, cb) => cb("not a boolean"));
      const invalid = once(wrong, "answered");
      wrong.emit("askMe", "?");
      assert.deepEqual(await invalid, [null, "invalid answer"]);
    });

    it("broadcasts typed events to a room and collects typed answers", T, async () => {
      const room = `room-${transport}`;
      const [a, b, c] = await Promise.all([connect("/", opts), connect("/", opts), connect("/", opts)]);
      await ack(a, "join", room);
      await ack(b, "join", room);
      const got = [];
      b.on("news", (t) => got.push(["b", t]));
      c.on("news", (t) => got.push(["c", t]));
      a.on("news", (t) => got.push(["a", t]));
      const news = once(b, "news");
      a.emit("roomNews", room, "extra!");
      await news;
      await sleep(100);
      assert.deepEqual(got, [["b", "extra!"]], "only the room, not the sender");

      a.on("poll", (r, cb) => cb(`a:${r}`));
      b.on("poll", (r, cb) => cb(`b:${r}`));
      assert.deepEqual(await ack(c, "pollRoom", room), [`a:${room}`, `b:${room}`]);
    });

    it("keeps typed socket data", T, async () => {
      const socket = await connect("/", opts);
      assert.equal(await ack(socket, "getName"), "");
      socket.emit("setName", "ann");
      assert.equal(await ack(socket, "getName"), "ann");
    });

    it("lets a trailing Option be left out", T, async () => {
      const socket = await connect("/", opts);
      assert.equal(await ack(socket, "optional", "a", 5), 5);
      assert.equal(await ack(socket, "optional", "a"), null);
    });

    it("carries tagged enums and flattened, renamed fields as serde writes them", T, async () => {
      // The shapes tests/ts/events.d.ts declares for them.
      const socket = await connect("/", opts);
      assert.deepEqual(await ack(socket, "describe", { kind: "circle", radius: 2 }), {
        label: "circle", values: [2], remark: null, count: 4294967296,
      });
      assert.deepEqual(await ack(socket, "describe", { kind: "rect", width: 1, height: 3 }), {
        label: "rect", values: [1, 3], remark: "four sides", count: 4294967296,
      });
    });
  });
}

describe("arguments that do not match the declared types", () => {
  it("skip the handler, answer the ack with an error, and keep the socket", T, async () => {
    const socket = await connect("/");
    const answer = await ack(socket, "add", "forty", 2);
    assert.equal(
      answer.error,
      'invalid arguments for event "add": the argument at index 0 is not a `i64`: invalid type: string "forty", expected i64',
    );
    assert.ok(socket.connected);
    assert.equal(await ack(socket, "add", 1, 2), 3, "the socket still works");
  });

  it("reject extra arguments", T, async () => {
    const socket = await connect("/");
    const answer = await ack(socket, "add", 1, 2, 3);
    assert.match(answer.error, /at most 2 argument/);
  });

  it("without an ack, are dropped silently for the client", T, async () => {
    const socket = await connect("/");
    const echoed = [];
    socket.on("echoed", (...a) => echoed.push(a));
    socket.emit("echoArgs", "not a number", "s", true, [], { label: "x", values: [] });
    await sleep(200);
    assert.deepEqual(echoed, []);
    assert.ok(socket.connected);
  });

  it("reach the namespace's on_event_error hook; other clients are unharmed", T, async () => {
    const other = await connect("/mismatch-hook");
    const socket = await connect("/mismatch-hook");
    socket.emit("setName", 42);
    socket.emit("echoArgs", 1);
    const answer = await ack(socket, "add", null, null);
    assert.ok(answer.error);
    assert.deepEqual(await ack(socket, "mismatches"), ["setName", "echoArgs", "add"]);
    assert.equal(await ack(other, "add", 2, 2), 4);
    assert.ok(socket.connected && other.connected);
  });
});
