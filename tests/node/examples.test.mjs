// The examples a user copies, run as built (examples/axum_app.rs, tower_layer.rs, recovery.rs),
// each on a free port, with the official client. Run by tests/tests/e2e.rs (row `examples`),
// which builds them.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { io } from "socket.io-client";
import { within, once, freePort } from "./helpers.mjs";

const T = { timeout: 30000 };
const running = [];
after(() => running.forEach((c) => c.exitCode === null && c.kill("SIGKILL")));

/** Starts example binary `bin` on a free port; resolves with its URL once it listens. */
async function start(bin) {
  const port = await freePort();
  const child = spawn(bin, [], { env: { ...process.env, PORT: String(port), NO_COLOR: "1" } });
  running.push(child);
  let out = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not start:\n${out}`)), 20000);
    const seen = (d) => {
      out += d;
      if (out.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("exit", (code) => reject(new Error(`${bin} exited (${code}):\n${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

const echo = (socket, value) => within(5000, socket.emitWithAck("echo", value), "echo");

describe("examples/axum_app.rs", () => {
  it("serves its own routes, Socket.IO with CORS for the front end's origin, and shuts down gracefully", T, async () => {
    const { url, child } = await start(process.env.AXUM_APP_BIN);
    assert.equal(await (await fetch(`${url}/`)).text(), "the app's own page");
    const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: "http://localhost:5173" },
    });
    assert.equal(handshake.status, 200);
    assert.equal(handshake.headers.get("access-control-allow-origin"), "http://localhost:5173");
    assert.equal(handshake.headers.get("access-control-allow-credentials"), "true");
    const other = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: "http://evil.example" } });
    // The answer names the allowed origin only, which a browser on another origin refuses.
    assert.equal(other.headers.get("access-control-allow-origin"), "http://localhost:5173");
    // Both sessions closed, as a client would (else the shutdown waits for them to poll).
    for (const answer of [handshake, other]) {
      const { sid } = JSON.parse((await answer.text()).slice(1));
      await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "1" });
    }

    const socket = io(url, { forceNew: true, reconnection: false });
    await once(socket, "connect", 5000);
    assert.deepEqual(await echo(socket, { a: 1 }), { a: 1 });
    assert.equal(await (await fetch(`${url}/api/online`)).text(), "1");

    const disconnected = once(socket, "disconnect", 10000);
    const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
    child.kill("SIGTERM");
    const [reason] = await disconnected;
    assert.equal(reason, "transport close", "the client is told");
    assert.deepEqual(await within(15000, exited, "the example exits"), { code: 0, signal: null });
  });
});

describe("examples/tower_layer.rs", () => {
  it("hands other requests to the app and serves Socket.IO over polling and WebSocket", T, async () => {
    const { url } = await start(process.env.TOWER_LAYER_BIN);
    assert.equal(await (await fetch(`${url}/hello`)).text(), "the app got /hello");
    for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
      const socket = io(url, { forceNew: true, transports, reconnection: false });
      await once(socket, "connect", 5000);
      if (transports.length === 2 && socket.io.engine.transport.name !== "websocket") {
        await within(5000, new Promise((r) => socket.io.engine.once("upgrade", r)), "the upgrade");
      }
      assert.equal(socket.io.engine.transport.name, transports.at(-1));
      assert.deepEqual(await echo(socket, [transports.join("+")]), [transports.join("+")]);
      socket.disconnect();
    }
  });
});

describe("examples/recovery.rs", () => {
  it("brings a dropped client back as itself, with every tick it missed once, in order", T, async () => {
    const { url } = await start(process.env.RECOVERY_BIN);
    const socket = io(url, { forceNew: true, transports: ["websocket"], reconnectionDelay: 500, reconnectionDelayMax: 500 });
    const ticks = [];
    socket.on("tick", (n) => ticks.push(n));
    await once(socket, "connect", 5000);
    const id = socket.id;
    assert.equal(await within(5000, socket.emitWithAck("subscribe"), "subscribe"), "subscribed");
    while (ticks.length < 5) await new Promise((r) => setTimeout(r, 50));
    // The connection drops; the client reconnects after its delay (half a second).
    socket.io.engine.close();
    await once(socket, "connect", 10000);
    assert.equal(socket.recovered, true);
    assert.equal(socket.id, id);
    const seen = ticks.length;
    while (ticks.length < seen + 5) await new Promise((r) => setTimeout(r, 50));
    socket.disconnect();
    const first = ticks[0];
    assert.deepEqual(ticks, ticks.map((_, i) => first + i), "no tick lost, none twice");
  });
});

describe("examples/metrics.rs", () => {
  it("reports sockets, rooms, packets and bytes on its Prometheus endpoint", T, async () => {
    const { url } = await start(process.env.METRICS_BIN);
    const scrape = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const value = (name, labels = "") => {
        const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `) || (labels === "" && l.startsWith(`${name}{`) === false && l.startsWith(`${name} `)));
        return line === undefined ? undefined : Number(line.split(" ").pop());
      };
      return { text, value };
    };
    const sockets = [];
    for (const transports of [["websocket"], ["polling"]]) {
      const socket = io(url, { forceNew: true, transports, reconnection: false });
      sockets.push(socket);
      await once(socket, "connect", 5000);
      socket.emit("join", "room-a");
      assert.deepEqual(await echo(socket, "x"), "x");
    }
    let m = await scrape();
    assert.equal(m.value("socketry_sockets_connected", '{nsp="/"}'), 2, m.text);
    assert.equal(m.value("socketry_sessions"), 2, m.text);
    // Each socket's own room, and room-a.
    assert.equal(m.value("socketry_rooms", '{nsp="/"}'), 3, m.text);
    for (const transport of ["websocket", "polling"]) {
      for (const direction of ["in", "out"]) {
        const labels = `{direction="${direction}",transport="${transport}"}`;
        assert.ok(m.value("socketry_packets_total", labels) >= 2, `packets ${labels}\n${m.text}`);
        assert.ok(m.value("socketry_bytes_total", labels) > 10, `bytes ${labels}\n${m.text}`);
      }
    }
    for (const s of sockets) s.disconnect();
    await new Promise((r) => setTimeout(r, 300));
    m = await scrape();
    assert.equal(m.value("socketry_sockets_connected", '{nsp="/"}'), 0, m.text);
    assert.equal(m.value("socketry_rooms", '{nsp="/"}'), 0, m.text);
    assert.equal(m.value("socketry_sessions"), 0, m.text);
  });
});
