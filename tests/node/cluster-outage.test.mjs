// Redis goes away under a running mixed cluster (socketry A and B, Node N) and comes back.
// Run by tests/tests/e2e.rs (row `cluster_outage`), which starts the nodes and hands over the
// redis-server's port: this file stops it (SHUTDOWN NOSAVE) and starts a new one there.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { io } from "socket.io-client";
import { sleep, within, once } from "./helpers.mjs";

const NODES = { A: process.env.SOCKETRY_URL, B: process.env.SOCKETRY_URL_B, N: process.env.NODE_URL };
const PORT = process.env.REDIS_PORT;
const open = [];
let restarted;
after(() => {
  open.forEach((s) => s.disconnect());
  restarted?.kill();
});

const ack = (socket, ...args) => within(8000, socket.emitWithAck(...args), `ack of ${args[0]}`);

async function client(node, name) {
  const socket = io(NODES[node], { forceNew: true, transports: ["websocket"], auth: { name } });
  open.push(socket);
  await once(socket, "welcome", 8000);
  return socket;
}

function record(socket) {
  const got = [];
  socket.on("said", (text) => got.push(text));
  return got;
}

const count = (list, text) => list.filter((t) => t === text).length;

describe("Redis going away", () => {
  it("leaves every node serving its own clients, and the cluster resumes once it is back", { timeout: 60000 }, async () => {
    const a1 = await client("A", "a1");
    const a2 = await client("A", "a2");
    const b1 = await client("B", "b1");
    const n1 = await client("N", "n1");
    for (const s of [a1, a2, b1, n1]) await ack(s, "join", "r");
    const heard = { a2: record(a2), b1: record(b1), n1: record(n1), a1: record(a1) };

    a1.emit("say", "r", "before");
    await sleep(500);
    assert.equal(count(heard.b1, "before"), 1, "the cluster works first");

    execFileSync("redis-cli", ["-p", PORT, "shutdown", "nosave"], { stdio: "ignore" });
    await sleep(300);

    // A's clients still hear each other, at once.
    const t0 = Date.now();
    a1.emit("say", "r", "during");
    await within(3000, (async () => { while (!count(heard.a2, "during")) await sleep(20); })(), "a local broadcast during the outage");
    assert.ok(Date.now() - t0 < 2000, `delivered locally in ${Date.now() - t0} ms`);
    // Requests fail with a clear answer instead of hanging.
    assert.deepEqual(await ack(a1, "count"), 1, "a node alone counts itself");

    restarted = spawn("redis-server", ["--port", PORT, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });

    // Cluster broadcasts resume, from both kinds of node.
    let i = 0;
    await within(25000, (async () => {
      while (!heard.b1.some((t) => t.startsWith("after-")) || !heard.a2.some((t) => t.startsWith("n-after-"))) {
        a1.emit("say", "r", `after-${i}`);
        n1.emit("say", "r", `n-after-${i}`);
        i++;
        await sleep(500);
      }
    })(), "the cluster to resume");
    await sleep(1000);
    for (const [who, got] of Object.entries(heard)) {
      for (const text of new Set(got)) assert.equal(count(got, text), 1, `${who} heard "${text}" once`);
    }
    assert.equal(count(heard.a2, "during"), 1);
    assert.equal(await ack(a1, "count"), 3, "all three nodes counted again");
  });
});
