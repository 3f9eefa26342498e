// Engine.IO v4 end to end, with the npm engine.io-client and raw requests where a client library
// would hide what the server answers. Run by tests/tests/e2e.rs (row `engine_io`).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import {
  URL_BASE, WS_BASE, sleep, within, once, openSocket, messages, serverReason,
  pollingHandshake, pollUrl, rawWebSocket,
} from "./helpers.mjs";

const T = { timeout: 15000 };

async function expectError(url, init, status, code, message) {
  const res = await fetch(url, init);
  assert.equal(res.status, status);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await res.json(), { code, message });
}

describe("a flood of requests for unknown sessions", () => {
  it("answers each with code 1 and creates nothing, a client beside unharmed", T, async (t) => {
    const sessions = async () => Number(await (await fetch(`${URL_BASE}/control/sessions`)).text());
    const socket = await openSocket({ transports: ["websocket"] });
    const before = await sessions();
    const sent = Array.from({ length: 200 }, (_, i) => `during the flood ${i}`);
    const got = messages(socket, sent.length, 20000);
    const codes = new Map();
    const started = Date.now();
    const WORKERS = 50, EACH = 60;
    const healthy = (async () => {
      for (const m of sent) {
        socket.send(m);
        await sleep(2);
      }
    })();
    await Promise.all(Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = 0; i < EACH; i++) {
        // Well-formed ids nobody holds, and ids that are not ids at all.
        const sid = i % 2 ? `${String(w).padStart(2, "0")}${"A".repeat(18)}` : `x${i}-${w}`;
        const res = await fetch(pollUrl(sid), i % 3 ? {} : { method: "POST", body: "4x" });
        const body = await res.json();
        const key = `${res.status} ${body.code}`;
        codes.set(key, (codes.get(key) ?? 0) + 1);
      }
    }));
    const rate = Math.round((WORKERS * EACH) / ((Date.now() - started) / 1000));
    t.diagnostic(`unknown-session requests: ${rate}/s (${WORKERS} at a time)`);
    await healthy;
    assert.deepEqual([...codes], [["400 1", WORKERS * EACH]]);
    assert.deepEqual(await got, sent, "the client beside got every echo, in order");
    assert.equal(await sessions(), before, "no session made by the flood");
    socket.close();
  });
});

describe("handshake", () => {
  it("opens a long-polling session with the reference's open packet", T, async () => {
    const { sid, open, res } = await pollingHandshake();
    assert.equal(res.headers.get("content-type"), "text/plain; charset=UTF-8");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(Object.keys(open).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
    assert.match(sid, /^[A-Za-z0-9_-]{20}$/);
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 25000);
    assert.equal(open.pingTimeout, 20000);
    assert.equal(open.maxPayload, 1000000);
    assert.equal(res.headers.get("set-cookie"), `io=${sid}; Path=/; HttpOnly; SameSite=Lax`);
  });

  it("serves long-polling over HTTP/2 with prior knowledge (h2c)", T, async () => {
    const session = http2.connect(URL_BASE);
    session.on("error", () => {});
    const get = (path) => new Promise((resolve, reject) => {
      const req = session.request({ ":path": path });
      let body = "";
      req.setEncoding("utf8");
      req.on("response", (headers) => { req.status = headers[":status"]; });
      req.on("data", (chunk) => { body += chunk; });
      req.on("end", () => resolve({ status: req.status, body }));
      req.on("error", reject);
    });
    const open = await within(3000, get("/engine.io/?EIO=4&transport=polling"), "h2 handshake");
    assert.equal(open.status, 200);
    const { sid } = JSON.parse(open.body.substring(1));
    assert.match(sid, /^[A-Za-z0-9_-]{20}$/);
    // The same connection carries the next request of the session.
    const bad = await within(3000, get(`/engine.io/?EIO=4&transport=polling&sid=nope`), "h2 poll");
    assert.equal(bad.status, 400);
    session.close();
  });

  it("opens a WebSocket session with no upgrades", T, async () => {
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket`);
    const open = JSON.parse((await ws.nextMessage()).substring(1));
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.maxPayload, 1000000);
    ws.close();
  });

  it("answers unknown transports with code 0", T, async () => {
    await expectError(`${URL_BASE}/engine.io/?EIO=4`, {}, 400, 0, "Transport unknown");
    await expectError(`${URL_BASE}/engine.io/?EIO=4&transport=abc`, {}, 400, 0, "Transport unknown");
    await expectError(`${URL_BASE}/ws-only/?EIO=4&transport=polling`, {}, 400, 0, "Transport unknown");
  });

  it("answers unknown session ids with code 1", T, async () => {
    await expectError(pollUrl("AAAAAAAAAAAAAAAAAAAA"), {}, 400, 1, "Session ID unknown");
    await expectError(pollUrl("not-even-an-id"), { method: "POST", body: "4x" }, 400, 1, "Session ID unknown");
  });

  it("answers a handshake that is not a GET with code 2", T, async () => {
    await expectError(`${URL_BASE}/engine.io/?EIO=4&transport=polling`, { method: "POST", body: "4x" }, 400, 2, "Bad handshake method");
    await expectError(`${URL_BASE}/engine.io/?EIO=4&transport=polling`, { method: "PUT" }, 400, 2, "Bad handshake method");
  });

  it("answers a WebSocket handshake without upgrade with code 3", T, async () => {
    await expectError(`${URL_BASE}/engine.io/?EIO=4&transport=websocket`, {}, 400, 3, "Bad request");
  });

  it("answers a refusal of allow_request with 403 and code 4", T, async () => {
    await expectError(`${URL_BASE}/guarded/?EIO=4&transport=polling`, {}, 403, 4, "a token is required");
    const { sid } = await pollingHandshake("/guarded/", { "x-token": "secret" });
    assert.ok(sid);
    const ws = rawWebSocket(`${WS_BASE}/guarded/?EIO=4&transport=websocket`);
    await assert.rejects(ws.opened, (e) => e.status === 400);
  });

  it("answers missing, invalid and disabled protocol versions with code 5", T, async () => {
    for (const q of ["", "EIO=abc&", "EIO=3&", "EIO=5&"]) {
      await expectError(`${URL_BASE}/engine.io/?${q}transport=polling`, {}, 400, 5, "Unsupported protocol version");
    }
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=3&transport=websocket`);
    await assert.rejects(ws.opened, (e) => e.status === 400);
  });

  it("answers CORS requests and preflights", T, async () => {
    const origin = "http://example.com";
    const res = await fetch(`${URL_BASE}/engine.io/?EIO=4&transport=polling`, { headers: { origin } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), origin);
    const pre = await fetch(`${URL_BASE}/engine.io/?EIO=4&transport=polling`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST" },
    });
    assert.equal(pre.status, 200);
    assert.ok(pre.headers.get("access-control-allow-methods"));
  });
});

for (const transport of ["polling", "websocket"]) {
  describe(`engine.io-client over ${transport} only`, () => {
    const opts = { transports: [transport] };

    it("echoes text, in order", T, async () => {
      const socket = await openSocket(opts);
      assert.equal(socket.transport.name, transport);
      const sent = Array.from({ length: 50 }, (_, i) => `message ${i} é✓😀`);
      const got = messages(socket, sent.length);
      for (const m of sent) socket.send(m);
      assert.deepEqual(await got, sent);
      socket.close();
    });

    it("echoes binary both ways", T, async () => {
      const socket = await openSocket(opts);
      const got = messages(socket, 2);
      socket.send(Uint8Array.from([1, 2, 3, 4]));
      socket.send(Buffer.from([0, 255, 128]));
      const [a, b] = await got;
      assert.deepEqual([...new Uint8Array(a)], [1, 2, 3, 4]);
      assert.deepEqual([...new Uint8Array(b)], [0, 255, 128]);
      socket.close();
    });

    it("stays connected across heartbeats", T, async () => {
      const socket = await openSocket({ ...opts, path: "/fast/" });
      let closed = false;
      socket.on("close", () => (closed = true));
      await sleep(1500); // five ping intervals
      assert.equal(closed, false);
      const got = messages(socket, 1);
      socket.send("still here");
      assert.deepEqual(await got, ["still here"]);
      socket.close();
    });

    it("delivers what the server queued before it closed the session", T, async () => {
      const socket = await openSocket(opts);
      const sid = socket.id;
      const got = messages(socket, 1);
      const closed = once(socket, "close");
      socket.send("last words");
      socket.send("close-me");
      assert.deepEqual(await got, ["last words"]);
      const [reason] = await closed;
      assert.equal(reason, "transport close");
      assert.equal(await serverReason(sid), "forced close");
    });

    it("reports a client's close as transport close", T, async () => {
      const socket = await openSocket(opts);
      const sid = socket.id;
      socket.close();
      assert.equal(await serverReason(sid), "transport close");
    });

    it("closes a session whose message is over max_http_buffer_size", T, async () => {
      const socket = await openSocket({ ...opts, path: "/small/" });
      const sid = socket.id;
      const closed = once(socket, "close");
      socket.send("x".repeat(200));
      await closed;
      assert.equal(await serverReason(sid), "transport error");
    });
  });
}

describe("WebSocket frames, from the ws client", () => {
  async function open(path = "/engine.io/") {
    const ws = rawWebSocket(`${WS_BASE}${path}?EIO=4&transport=websocket`);
    const sid = JSON.parse((await ws.nextMessage()).substring(1)).sid;
    return { ws, sid };
  }

  it("reassembles a fragmented message", T, async () => {
    const { ws } = await open();
    ws.send("4frag", { fin: false });
    ws.send("mented é", { fin: false });
    ws.ping("between fragments");
    ws.send("!", { fin: true });
    assert.equal(await ws.nextMessage(), "4fragmented é!");
    ws.close();
  });

  it("answers a ping with a pong carrying its payload", T, async () => {
    const { ws } = await open();
    const pong = new Promise((resolve) => ws.once("pong", (data) => resolve(data.toString())));
    ws.ping("are you there");
    assert.equal(await within(3000, pong, "pong"), "are you there");
    ws.close();
  });

  it("echoes the client's close code, and the session ends with transport close", T, async () => {
    const { ws, sid } = await open();
    ws.close(4000, "bye");
    assert.equal(await within(3000, ws.closed, "websocket closed"), 4000);
    assert.equal(await serverReason(sid), "transport close");
  });

  it("answers a message over max_http_buffer_size with close code 1009", T, async () => {
    const { ws, sid } = await open("/small/");
    ws.send("4" + "x".repeat(200));
    assert.equal(await within(3000, ws.closed, "websocket closed"), 1009);
    assert.equal(await serverReason(sid), "transport error");
  });

  it("answers a text frame that is not UTF-8 with close code 1007", T, async () => {
    const { ws, sid } = await open();
    ws.send(Buffer.from([0x34, 0xff, 0xfe]), { binary: false });
    assert.equal(await within(3000, ws.closed, "websocket closed"), 1007);
    assert.equal(await serverReason(sid), "transport error");
  });

  it("answers a frame with a reserved opcode with close code 1002", T, async () => {
    const { ws, sid } = await open();
    // ws sends only valid frames: this one goes on its socket directly (FIN, opcode 3,
    // masked, empty).
    ws._socket.write(Buffer.from([0x83, 0x80, 1, 2, 3, 4]));
    assert.equal(await within(3000, ws.closed, "websocket closed"), 1002);
    assert.equal(await serverReason(sid), "transport error");
  });

  it("reads frames split anywhere across TCP segments", T, async () => {
    const { ws } = await open();
    // Two masked text frames, `4ab` and a 300-byte one, written a byte or a few at a time.
    const frame = (text) => {
      const payload = Buffer.from(text);
      const mask = Buffer.from([9, 8, 7, 6]);
      const header = payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
      return Buffer.concat([header, mask, payload.map((b, i) => b ^ mask[i & 3])]);
    };
    const long = "4" + "y".repeat(299);
    const bytes = Buffer.concat([frame("4ab"), frame(long)]);
    for (let i = 0; i < bytes.length; i += 7) {
      ws._socket.write(bytes.subarray(i, i + 7));
      await sleep(1);
    }
    assert.equal(await ws.nextMessage(), "4ab");
    assert.equal(await ws.nextMessage(), long);
    ws.close();
  });

  it("reads frames sent in the same segment as the handshake", T, async () => {
    // A client may send its first frames without waiting for `101`: they reach the server
    // with the request, and must be read before anything more arrives.
    const url = new URL(URL_BASE);
    const sock = net.connect(Number(url.port), url.hostname);
    await once(sock, "connect");
    const masked = (text) => {
      const payload = Buffer.from(text);
      const mask = Buffer.from([1, 2, 3, 4]);
      return Buffer.concat([
        Buffer.from([0x81, 0x80 | payload.length]),
        mask,
        payload.map((b, i) => b ^ mask[i & 3]),
      ]);
    };
    sock.write(Buffer.concat([
      Buffer.from(
        "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\n" +
        `Host: ${url.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      ),
      masked("4early"),
      masked("4second"),
    ]));
    // The server's frames are not masked; these are all short.
    let received = Buffer.alloc(0);
    const texts = [];
    const done = new Promise((resolve) => {
      sock.on("data", (chunk) => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf("\r\n\r\n");
        if (end < 0) return;
        let at = end + 4;
        texts.length = 0;
        while (at + 2 <= received.length) {
          let len = received[at + 1] & 0x7f;
          let start = at + 2;
          if (len === 126) {
            len = received.readUInt16BE(at + 2);
            start += 2;
          }
          if (start + len > received.length) break;
          texts.push(received.subarray(start, start + len).toString());
          at = start + len;
        }
        if (texts.length >= 3) resolve();
      });
    });
    await within(3000, done, "three frames");
    assert.match(received.toString("latin1"), /^HTTP\/1\.1 101/);
    assert.equal(texts[0][0], "0");
    assert.deepEqual(texts.slice(1, 3), ["4early", "4second"]);
    sock.destroy();
  });
});

describe("server-side close", () => {
  it("sends the close packet in a poll of its own, after the packets queued before it", T, async () => {
    const { sid } = await pollingHandshake();
    await fetch(pollUrl(sid), { method: "POST", body: "4last words\x1e4close-me" });
    assert.equal(await (await fetch(pollUrl(sid))).text(), "4last words");
    assert.equal(await (await fetch(pollUrl(sid))).text(), "1");
    assert.equal(await serverReason(sid), "forced close");
    await expectError(pollUrl(sid), {}, 400, 1, "Session ID unknown");
  });

  it("sends a close packet at once to a pending poll", T, async () => {
    const { sid } = await pollingHandshake();
    const pending = fetch(pollUrl(sid)).then((r) => r.text());
    await sleep(50);
    await fetch(pollUrl(sid), { method: "POST", body: "4close-me" });
    assert.equal(await within(2000, pending, "pending poll"), "1");
    assert.equal(await serverReason(sid), "forced close");
  });
});

describe("upgrade", () => {
  it("upgrades from polling to WebSocket without losing or reordering messages", T, async () => {
    const socket = await openSocket();
    assert.equal(socket.transport.name, "polling");
    const upgraded = once(socket, "upgrade");
    const n = 200;
    const got = messages(socket, n + 300, 10000);
    // Messages both ways while the upgrade is under way.
    for (let i = 0; i < n; i++) socket.send(`m${i}`);
    socket.send("flood:300");
    await upgraded;
    assert.equal(socket.transport.name, "websocket");
    const all = await got;
    assert.deepEqual(all.slice(0, n), Array.from({ length: n }, (_, i) => `m${i}`));
    assert.deepEqual(all.slice(n), Array.from({ length: 300 }, (_, i) => `${i}`));
    const after = messages(socket, 1);
    socket.send("after");
    assert.deepEqual(await after, ["after"]);
    socket.close();
  });

  it("refuses polls and a second WebSocket once upgraded", T, async () => {
    const { sid } = await pollingHandshake();
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.nextMessage(), "3probe");
    ws.send("5");
    await sleep(50);
    await expectError(pollUrl(sid), {}, 400, 3, "Bad request");
    const second = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await within(5000, second.closed, "second websocket closed");
    ws.send("4hello");
    assert.equal(await ws.nextMessage(), "4hello");
    ws.close();
  });

  it("closes at once a session whose client closes right after upgrading", T, async () => {
    // socket.io-client does this when it disconnects while upgrading: `upgrade`, then the close
    // frame, which arrive in one read.
    const { sid } = await pollingHandshake();
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.nextMessage(), "3probe");
    ws._socket.cork();
    ws.send("5");
    ws.close();
    ws._socket.uncork();
    assert.equal(await serverReason(sid, 3000), "transport close");
    assert.equal(await within(3000, ws.closed, "close answered"), 1005);
  });

  it("releases the pending poll with a noop once probed", T, async () => {
    const { sid } = await pollingHandshake();
    const pending = fetch(pollUrl(sid)).then((r) => r.text());
    await sleep(50);
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.nextMessage(), "3probe");
    let body = await within(2000, pending, "pending poll");
    // On a slow machine a ping may come first: answer it as a client would, poll again.
    while (body === "2") {
      await fetch(pollUrl(sid), { method: "POST", body: "3" });
      body = await within(2000, fetch(pollUrl(sid)).then((r) => r.text()), "next poll");
    }
    assert.equal(body, "6");
    ws.send("5");
    ws.send("4x");
    assert.equal(await ws.nextMessage(), "4x");
    ws.close();
  });

  it("keeps the session on polling when the probe is wrong", T, async () => {
    const { sid } = await pollingHandshake();
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await ws.opened;
    ws.send("4not a probe");
    await within(5000, ws.closed, "websocket closed");
    const post = await fetch(pollUrl(sid), { method: "POST", body: "4still polling" });
    assert.equal(await post.text(), "ok");
    assert.equal(await (await fetch(pollUrl(sid))).text(), "4still polling");
  });

  it("takes one pending upgrade per session: a second WebSocket meanwhile is closed, the first completes", T, async () => {
    const { sid } = await pollingHandshake();
    const first = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await first.opened;
    await sleep(50);
    const second = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await within(3000, second.closed, "the second pending upgrade closed");
    first.send("2probe");
    assert.equal(await first.nextMessage(), "3probe");
    first.send("5");
    first.send("4after");
    assert.equal(await first.nextMessage(), "4after");
    first.close();
  });

  it("gives up an upgrade that is not probed within upgrade_timeout", T, async () => {
    const { sid } = await pollingHandshake();
    // Answer the heartbeats meanwhile, as a polling client would.
    let polling = true;
    const received = [];
    const keepAlive = (async () => {
      while (polling) {
        const body = await (await fetch(pollUrl(sid))).text();
        for (const p of body.split("\x1e")) {
          if (p === "2") await fetch(pollUrl(sid), { method: "POST", body: "3" });
          else received.push(p);
        }
      }
    })();
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await ws.opened;
    const started = Date.now();
    await within(3000, ws.closed, "unprobed websocket closed");
    assert.ok(Date.now() - started >= 400, "closed before upgrade_timeout");
    const post = await fetch(pollUrl(sid), { method: "POST", body: "4still polling" });
    assert.equal(await post.text(), "ok");
    polling = false;
    await within(2000, keepAlive, "last poll");
    assert.deepEqual(received, ["4still polling"]);
  });

  it("refuses upgrades on a server without them", T, async () => {
    const { sid, open } = await pollingHandshake("/polling-only/");
    assert.deepEqual(open.upgrades, []);
    const ws = rawWebSocket(`${WS_BASE}/polling-only/?EIO=4&transport=websocket&sid=${sid}`);
    await assert.rejects(ws.opened, (e) => e.status === 400);
  });
});

describe("http compression", () => {
  it("compresses large polling payloads for clients that accept it", T, async () => {
    const { sid } = await pollingHandshake();
    await fetch(pollUrl(sid), { method: "POST", body: "4flood:400" });
    const res = await fetch(pollUrl(sid), { headers: { "accept-encoding": "gzip" } });
    assert.equal(res.headers.get("content-encoding"), "gzip");
    const packets = (await res.text()).split("\x1e");
    assert.equal(packets.length, 400);
    assert.equal(packets[399], "4399");
  });

  it("takes the coding the client prefers, by weight", T, async () => {
    const { sid } = await pollingHandshake();
    for (const [accept, coding] of [["deflate", "deflate"], ["gzip;q=0.5, deflate", "deflate"], ["deflate;q=0.1, *", "gzip"]]) {
      await fetch(pollUrl(sid), { method: "POST", body: "4flood:300" });
      const res = await fetch(pollUrl(sid), { headers: { "accept-encoding": accept } });
      assert.equal(res.headers.get("content-encoding"), coding, accept);
      // fetch decodes it: the payload is whole.
      const packets = (await res.text()).split("\x1e");
      assert.deepEqual([packets.length, packets[299]], [300, "4299"], accept);
    }
  });

  it("leaves small payloads and clients that do not accept it alone", T, async () => {
    const { sid } = await pollingHandshake();
    await fetch(pollUrl(sid), { method: "POST", body: "4small" });
    const small = await fetch(pollUrl(sid), { headers: { "accept-encoding": "gzip" } });
    assert.equal(small.headers.get("content-encoding"), null);
    assert.equal(await small.text(), "4small");
    await fetch(pollUrl(sid), { method: "POST", body: "4flood:400" });
    const plain = await fetch(pollUrl(sid), { headers: { "accept-encoding": "identity" } });
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal((await plain.text()).split("\x1e").length, 400);
  });
});

describe("heartbeat", () => {
  // `/fast/` pings every 300 ms and waits 1 s for the pong.
  it("closes a polling session whose client stops polling with ping timeout", T, async () => {
    const { sid } = await pollingHandshake("/fast/");
    assert.equal(await serverReason(sid, 4000), "ping timeout");
    await expectError(pollUrl(sid, "/fast/"), {}, 400, 1, "Session ID unknown");
  });

  it("closes a WebSocket session that answers no ping with ping timeout", T, async () => {
    const ws = rawWebSocket(`${WS_BASE}/fast/?EIO=4&transport=websocket`);
    const sid = JSON.parse((await ws.nextMessage()).substring(1)).sid;
    assert.equal(await ws.nextMessage(), "2");
    await within(4000, ws.closed, "websocket closed");
    assert.equal(await serverReason(sid), "ping timeout");
  });

  it("closes a session whose client pings (v4 heartbeats go the other way)", T, async () => {
    const { sid } = await pollingHandshake();
    await fetch(pollUrl(sid), { method: "POST", body: "2" });
    assert.equal(await serverReason(sid), "transport error");
  });
});

describe("bad input", () => {
  it("closes a polling session on a malformed packet, with parse error", T, async () => {
    const { sid } = await pollingHandshake();
    const pending = fetch(pollUrl(sid)).then((r) => r.text());
    await sleep(50); // the poll is pending before the payload arrives
    const res = await fetch(pollUrl(sid), { method: "POST", body: "4fine\x1eabc" });
    assert.equal(res.status, 400);
    // The echo of the good packet was queued before the close: it is still delivered.
    assert.equal(await within(2000, pending, "pending poll"), "4fine");
    assert.equal(await serverReason(sid), "parse error");
    await expectError(pollUrl(sid), {}, 400, 1, "Session ID unknown");
  });

  it("closes a WebSocket session on a malformed packet, with parse error", T, async () => {
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket`);
    const sid = JSON.parse((await ws.nextMessage()).substring(1)).sid;
    ws.send("abc");
    await within(3000, ws.closed, "websocket closed");
    assert.equal(await serverReason(sid), "parse error");
  });

  it("answers a payload over max_http_buffer_size with 413 and closes the session", T, async () => {
    const { sid } = await pollingHandshake("/small/");
    const res = await fetch(pollUrl(sid, "/small/"), { method: "POST", body: "4" + "x".repeat(200) });
    assert.equal(res.status, 413);
    assert.equal(await serverReason(sid), "transport error");
    // A body without a declared length is cut off as it streams.
    const { sid: sid2 } = await pollingHandshake("/small/");
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("4" + "y".repeat(60)));
        c.enqueue(new TextEncoder().encode("y".repeat(60)));
        c.close();
      },
    });
    const res2 = await fetch(pollUrl(sid2, "/small/"), { method: "POST", body: stream, duplex: "half" });
    assert.equal(res2.status, 413);
    assert.equal(await serverReason(sid2), "transport error");
  });

  it("closes a session on a binary polling body (v4 payloads are text)", T, async () => {
    const { sid } = await pollingHandshake();
    const res = await fetch(pollUrl(sid), {
      method: "POST",
      body: Buffer.from([1, 2, 3]),
      headers: { "content-type": "application/octet-stream" },
    });
    assert.equal(res.status, 400);
    assert.equal(await serverReason(sid), "transport error");
  });

  it("closes a session on overlapping polls; the first one gets a close packet", T, async () => {
    const { sid } = await pollingHandshake();
    const first = fetch(pollUrl(sid));
    await sleep(50);
    const second = await fetch(pollUrl(sid));
    assert.equal(second.status, 400);
    const firstRes = await within(2000, first, "first poll");
    assert.equal(firstRes.status, 200);
    assert.equal(await firstRes.text(), "1");
    assert.equal(await serverReason(sid), "transport error");
    await expectError(pollUrl(sid), {}, 400, 1, "Session ID unknown");
  });

  it("closes a session on overlapping posts", T, async () => {
    const { sid } = await pollingHandshake();
    let release;
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("4slow"));
        release = () => c.close();
      },
    });
    const slow = fetch(pollUrl(sid), { method: "POST", body: stream, duplex: "half" }).catch(() => null);
    await sleep(50);
    const second = await fetch(pollUrl(sid), { method: "POST", body: "4fast" });
    assert.equal(second.status, 400);
    release();
    await slow;
    assert.equal(await serverReason(sid), "transport error");
  });

  it("closes a session whose poll the client abandoned", T, async () => {
    const { sid } = await pollingHandshake();
    const controller = new AbortController();
    fetch(pollUrl(sid), { signal: controller.signal }).catch(() => {});
    await sleep(50);
    controller.abort();
    assert.equal(await serverReason(sid), "transport error");
  });

  it("closes a WebSocket session whose client vanished without a close frame", T, async () => {
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket`);
    const sid = JSON.parse((await ws.nextMessage()).substring(1)).sid;
    ws.terminate();
    assert.equal(await serverReason(sid), "transport close");
  });

  it("leaves every other client unharmed", T, async () => {
    const a = await openSocket({ transports: ["websocket"] });
    const b = await openSocket({ transports: ["polling"] });
    let aClosed = false;
    let bClosed = false;
    a.on("close", () => (aClosed = true));
    b.on("close", () => (bClosed = true));
    // Three kinds of bad clients at once.
    const ws = rawWebSocket(`${WS_BASE}/engine.io/?EIO=4&transport=websocket`);
    await ws.nextMessage();
    ws.send("garbage");
    const { sid } = await pollingHandshake();
    await fetch(pollUrl(sid), { method: "POST", body: "" });
    await Promise.all([fetch(pollUrl(sid)), fetch(pollUrl(sid))]).catch(() => {});
    await within(3000, ws.closed, "bad websocket closed");
    const gotA = messages(a, 1);
    const gotB = messages(b, 1);
    a.send("a ok");
    b.send("b ok");
    assert.deepEqual(await gotA, ["a ok"]);
    assert.deepEqual(await gotB, ["b ok"]);
    assert.equal(aClosed || bClosed, false);
    a.close();
    b.close();
  });
});

describe("shutdown", () => {
  it("tells every open session and refuses new ones", T, async () => {
    const path = "/doomed/";
    const p = await openSocket({ path, transports: ["polling"] });
    const w = await openSocket({ path, transports: ["websocket"] });
    const ids = [p.id, w.id];
    const closes = [once(p, "close"), once(w, "close")];
    const res = await fetch(`${URL_BASE}/control/shutdown-doomed`, { method: "POST" });
    assert.equal(res.status, 200);
    await Promise.all(closes);
    assert.equal(await serverReason(ids[0]), "server shutting down");
    assert.equal(await serverReason(ids[1]), "server shutting down");
    await expectError(`${URL_BASE}${path}?EIO=4&transport=polling`, {}, 400, 3, "Bad request");
  });
});
