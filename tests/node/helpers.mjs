// Shared helpers for the node --test files. Every wait is bounded: a hung test is a failed test.

import { Socket } from "engine.io-client";
import WebSocket from "ws";
import net from "node:net";

export const URL_BASE = process.env.SOCKETRY_URL;
// A file that starts its own servers says so with OWN_SERVERS.
if (!URL_BASE && !process.env.OWN_SERVERS) throw new Error("SOCKETRY_URL is not set (the Rust test harness sets it)");
export const WS_BASE = URL_BASE?.replace(/^http/, "ws");

/** A loopback port free now, for a server a test file starts itself. */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects after `ms` with `what` in the message. */
export function within(ms, promise, what = "operation") {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Waits for one `event` of an EventEmitter-like `target`. */
export function once(target, event, ms = 5000) {
  return within(
    ms,
    new Promise((resolve) => {
      const on = target.once ? "once" : "on";
      target[on](event, (...args) => resolve(args));
    }),
    `event "${event}"`,
  );
}

/** Opens an engine.io-client socket and waits for "open". */
export async function openSocket(opts = {}) {
  const socket = new Socket(URL_BASE, { path: "/engine.io/", ...opts });
  try {
    await within(
      5000,
      new Promise((resolve, reject) => {
        socket.once("open", resolve);
        socket.once("error", reject);
      }),
      "engine.io-client open",
    );
  } catch (e) {
    socket.close();
    throw e;
  }
  return socket;
}

/** Collects the next `n` messages of an engine.io-client socket. */
export function messages(socket, n, ms = 5000) {
  const got = [];
  return within(
    ms,
    new Promise((resolve) => {
      const on = (data) => {
        got.push(data);
        if (got.length === n) {
          socket.off("message", on);
          resolve(got);
        }
      };
      socket.on("message", on);
    }),
    `${n} messages (got ${got.length})`,
  );
}

/** The reason the server gave for closing session `sid` (polls the test server's control route). */
export async function serverReason(sid, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const res = await fetch(`${URL_BASE}/control/reason/${sid}`);
    const reason = await res.text();
    if (reason) return reason;
    await sleep(20);
  }
  throw new Error(`the server never closed session ${sid}`);
}

/** Opens a long-polling session by hand; returns its sid and handshake. */
export async function pollingHandshake(path = "/engine.io/", headers = {}) {
  const res = await fetch(`${URL_BASE}${path}?EIO=4&transport=polling`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`handshake failed: ${res.status} ${text}`);
  const open = JSON.parse(text.substring(1));
  return { sid: open.sid, open, res };
}

export const pollUrl = (sid, path = "/engine.io/") =>
  `${URL_BASE}${path}?EIO=4&transport=polling&sid=${sid}`;

/** A raw WebSocket with buffered events, so that no message is missed between awaits. */
export function rawWebSocket(url) {
  const ws = new WebSocket(url);
  const queue = [];
  const waiters = [];
  ws.on("message", (data, isBinary) => {
    const msg = isBinary ? data : data.toString();
    if (waiters.length) waiters.shift()(msg);
    else queue.push(msg);
  });
  ws.on("error", () => {});
  ws.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  ws.nextMessage = (ms = 5000) =>
    within(
      ms,
      queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)),
      "websocket message",
    );
  ws.opened = within(5000, new Promise((resolve, reject) => {
    ws.on("open", resolve);
    ws.on("unexpected-response", (req, res) => {
      // With this listener, `ws` leaves ending the refused request to us.
      req.destroy();
      reject(Object.assign(new Error("refused"), { status: res.statusCode }));
    });
  }), "websocket open");
  ws.opened.catch(() => {}); // tests that expect a refusal await `closed` instead
  return ws;
}

/** Resolves once a socket.io-client `socket` is connected; rejects on `connect_error`. */
export function connected(socket, what = "connect", ms = 5000) {
  if (socket.connected) return Promise.resolve();
  return within(
    ms,
    new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    }),
    what,
  );
}

/**
 * A `connect(nsp, opts)` for socket.io-client's `io`: a new connection to `nsp` of the server
 * under test (no reconnection unless `opts` says so), kept in `open` to be closed after the
 * tests; resolves once connected.
 */
export function connector(io, open) {
  return async function connect(nsp = "/", opts = {}) {
    const socket = io(`${URL_BASE}${nsp}`, { forceNew: true, reconnection: false, ...opts });
    open.push(socket);
    await connected(socket, `connect to ${nsp}`);
    return socket;
  };
}
