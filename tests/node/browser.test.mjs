// The chat demo (examples/chat, the program the README's first command runs) in headless
// Chromium, driven by playwright-core: two users join a room, messages go both ways with their
// delivered marks, typing notices come and go, one page's network drops (a proxy between it and
// the server cuts every connection and refuses new ones for a while) and is recovered with
// nothing lost, then the server restarts and both pages join their room again. Run by
// tests/tests/e2e.rs (row `browser`), which builds the demo and finds Debian's chromium.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import { chromium } from "playwright-core";
import { freePort } from "./helpers.mjs";

const { CHAT_BIN, CHROMIUM, SCREENSHOT } = process.env;
const T = { timeout: 60000 };

/** Starts the demo on `port`; resolves once it listens. */
function startChat(port) {
  const child = spawn(CHAT_BIN, [], { env: { ...process.env, PORT: String(port), NO_COLOR: "1" } });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the chat did not start:\n${out}`)), 20000);
    const seen = (d) => {
      out += d;
      if (out.includes("chat on http://")) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("exit", (code) => reject(new Error(`the chat exited (${code}):\n${out}`)));
  });
}

async function stopChat(child) {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** A TCP proxy to `target` whose connections can be cut, as a network that goes away. */
async function proxy(target) {
  const open = new Set();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(target, "127.0.0.1");
    open.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const s of [client, upstream]) s.on("error", end).on("close", end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: server.address().port,
    cut() {
      down = true;
      for (const s of open) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Waits until `check` (run in the page) is true. */
const until = (page, check, arg, what) =>
  page.waitForFunction(check, arg, { timeout: 20000 }).catch((e) => {
    throw new Error(`${what}: ${e.message}`);
  });

const texts = (page) => page.$$eval("#log .msg .text", (els) => els.map((e) => e.textContent));
const members = (page) => page.$$eval("#members li", (els) => els.map((e) => e.textContent));
const notices = (page) => page.$$eval("#log .notice", (els) => els.map((e) => e.textContent));
const state = (page) => page.$eval("#status", (e) => e.dataset.state);

async function join(page, url, name, room) {
  await page.goto(url);
  await page.fill("#name", name);
  await page.fill("#room", room);
  await page.click("#join");
  await until(page, () => document.querySelector("#status").dataset.state === "connected", null, `${name} connects`);
  await until(page, () => !document.querySelector("#text").disabled, null, `${name} joins`);
}

async function send(page, text) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
  await until(
    page,
    (t) => [...document.querySelectorAll("#log .msg.mine")].some((e) => e.querySelector(".text").textContent === t && e.classList.contains("delivered")),
    text,
    `"${text}" marked delivered`,
  );
}

const hasMessage = (page, text, what) =>
  until(page, (t) => [...document.querySelectorAll("#log .msg .text")].some((e) => e.textContent === t), text, what);

describe("the chat demo in a browser", () => {
  let browser, port, chat, net1, alice, bob;

  before(async () => {
    assert.ok(CHAT_BIN, "CHAT_BIN: the demo's executable");
    assert.ok(CHROMIUM, "CHROMIUM: the browser's executable");
    port = await freePort();
    chat = await startChat(port);
    net1 = await proxy(port);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    // Alice reaches the server through the proxy, so that her network can drop.
    alice = await (await browser.newContext({ viewport: { width: 1000, height: 620 } })).newPage();
    bob = await (await browser.newContext()).newPage();
  });

  after(async () => {
    await browser?.close();
    await net1?.close();
    if (chat && chat.exitCode === null) await stopChat(chat);
  });

  it("joins two users to a room, each seeing the other", T, async () => {
    await join(alice, `http://127.0.0.1:${net1.port}/`, "alice", "lobby");
    await join(bob, `http://127.0.0.1:${port}/`, "bob", "lobby");
    await until(alice, () => document.querySelectorAll("#members li").length === 2, null, "alice sees bob arrive");
    assert.deepEqual(await members(alice), ["alice", "bob"]);
    assert.deepEqual(await members(bob), ["alice", "bob"]);
    assert.deepEqual(await notices(alice), ["you joined lobby", "bob joined"]);
    assert.deepEqual(await notices(bob), ["you joined lobby"]);
  });

  it("carries messages both ways, each marked delivered with its time", T, async () => {
    await send(alice, "hi bob");
    await hasMessage(bob, "hi bob", "bob gets alice's message");
    await send(bob, "hello alice");
    await hasMessage(alice, "hello alice", "alice gets bob's message");
    const time = await alice.$eval("#log .msg.mine .time", (e) => e.textContent);
    assert.match(time, /\d{1,2}:\d{2}/);
  });

  it("shows a typing notice, cleared when the message is sent", T, async () => {
    await bob.fill("#text", "typing a");
    await bob.type("#text", "b");
    await until(alice, () => document.querySelector("#typing").textContent === "bob is typing…", null, "alice sees bob typing");
    await bob.press("#text", "Enter");
    await hasMessage(alice, "typing ab", "the message arrives");
    assert.equal(await alice.$eval("#typing", (e) => e.textContent), "", "the notice is gone");
    if (SCREENSHOT) {
      await alice.fill("#text", "and now a network drop…");
      await alice.screenshot({ path: SCREENSHOT });
      await alice.fill("#text", "");
    }
  });

  it("recovers a page whose network dropped, with every missed message once", T, async () => {
    net1.cut();
    await until(alice, () => document.querySelector("#status").dataset.state === "reconnecting", null, "alice sees she is offline");
    await until(bob, () => [...document.querySelectorAll("#log .notice")].some((e) => e.textContent === "alice lost their connection"), null, "bob is told");
    await send(bob, "while you were away 1");
    await send(bob, "while you were away 2");
    await new Promise((r) => setTimeout(r, 1000));
    net1.restore();
    await until(alice, () => document.querySelector("#status").dataset.state === "recovered", null, "alice is recovered");
    await hasMessage(alice, "while you were away 2", "alice gets what she missed");
    const got = await texts(alice);
    assert.equal(got.filter((t) => t === "while you were away 1").length, 1);
    assert.equal(got.filter((t) => t === "while you were away 2").length, 1);
    assert.deepEqual(got, ["hi bob", "hello alice", "typing ab", "while you were away 1", "while you were away 2"]);
    await until(bob, () => [...document.querySelectorAll("#log .notice")].some((e) => e.textContent === "alice is back"), null, "bob sees alice back");
    assert.deepEqual(await members(bob), ["alice", "bob"]);
    await send(alice, "back again");
    await hasMessage(bob, "back again", "bob gets alice's message after the drop");
  });

  it("joins the room again after a server restart, and chats on", T, async () => {
    await stopChat(chat);
    await until(alice, () => document.querySelector("#status").dataset.state === "reconnecting", null, "alice sees the server gone");
    chat = await startChat(port);
    for (const [page, who] of [[alice, "alice"], [bob, "bob"]]) {
      await until(page, () => document.querySelector("#status").dataset.state === "restored", null, `${who} reconnects and rejoins`);
    }
    await until(alice, () => document.querySelectorAll("#members li").length === 2, null, "both in the room again");
    // The room's state is what the new server has: who is there, and no history.
    assert.deepEqual(await texts(alice), []);
    assert.equal((await notices(alice))[0], "reconnected: joined lobby again");
    await send(alice, "after the restart");
    await hasMessage(bob, "after the restart", "bob gets it");
    await send(bob, "still here");
    await hasMessage(alice, "still here", "alice gets it");
  });

  it("clears a typing notice and the member list when its author leaves", T, async () => {
    await bob.type("#text", "about to go");
    await until(alice, () => document.querySelector("#typing").textContent === "bob is typing…", null, "alice sees bob typing");
    await bob.context().close();
    await until(alice, () => document.querySelector("#typing").textContent === "", null, "the notice goes with bob");
    await until(alice, () => document.querySelectorAll("#members li").length === 1, null, "bob is gone from the list");
    assert.deepEqual(await members(alice), ["alice"]);
    assert.equal(await state(alice), "restored");
  });
});
