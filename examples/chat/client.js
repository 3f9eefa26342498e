// @ts-check
// The chat page's script. tsc checks it against the declarations generated from the server's
// #[events] traits (events.d.ts), so that an event name or payload the server does not declare
// is an error here too: see tests/tests/typescript.rs.

/** @typedef {import("./events").ServerToClientEvents} ServerToClientEvents */
/** @typedef {import("./events").ClientToServerEvents} ClientToServerEvents */

/** The browser client the server serves at /socket.io/socket.io.min.js. */
const connect = /** @type {typeof import("socket.io-client").io} */ (
  /** @type {any} */ (globalThis).io
);

const user = prompt("Your name?") || "guest";
/** @type {import("socket.io-client").Socket<ServerToClientEvents, ClientToServerEvents>} */
const socket = connect({ auth: { name: user } });
const $ = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const log = (/** @type {string} */ html) => {
  $("log").insertAdjacentHTML("beforeend", `<div>${html}</div>`);
  $("log").scrollTop = 1e9;
};
const esc = (/** @type {unknown} */ s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
/** @type {string | null} */
let room = null;

socket.on("connect_error", (err) => log(`<span class=meta>cannot connect: ${esc(err.message)}</span>`));
socket.on("message", (m) => log(`<b>${esc(m.from)}</b> <span class=meta>#${m.id}</span> ${esc(m.text)}`));
socket.on("userJoined", (r, user) => log(`<span class=meta>${esc(user)} joined ${esc(r)}</span>`));
socket.on("userLeft", (r, user) => log(`<span class=meta>${esc(user)} left ${esc(r)}</span>`));
socket.on("typing", (r, user, typing) => {
  $("typing").textContent = typing ? `${user} is typing…` : "";
});

$("join").onclick = async () => {
  if (room) socket.emit("leaveRoom", room);
  const joined = $("room").value;
  room = joined;
  const members = await socket.emitWithAck("joinRoom", joined);
  log(`<span class=meta>joined ${esc(joined)}; here: ${esc(members.join(", ") || "nobody")}</span>`);
};
$("form").onsubmit = async (e) => {
  e.preventDefault();
  if (!room) return log("<span class=meta>join a room first</span>");
  const text = $("text").value;
  $("text").value = "";
  socket.emit("typing", room, false);
  await socket.emitWithAck("sendMessage", room, text);
};
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
$("text").oninput = () => {
  const current = room;
  if (!current) return;
  socket.emit("typing", current, true);
  clearTimeout(timer);
  timer = setTimeout(() => socket.emit("typing", current, false), 1500);
};
