// @ts-check
// The chat page's script. tsc checks it against the declarations generated from the server's
// #[events] traits (events.d.ts), so that an event name or payload the server does not declare
// is an error here too: see tests/tests/typescript.rs.
//
// What the page shows of the connection: a network drop the server recovers (same id, same
// rooms, every missed message replayed) is seamless; a reconnection it cannot recover (the
// server restarted) joins the room again and reloads its state.

/** @typedef {import("./events").ServerToClientEvents} ServerToClientEvents */
/** @typedef {import("./events").ClientToServerEvents} ClientToServerEvents */
/** @typedef {import("./events").ChatMessage} ChatMessage */
/** @typedef {import("./events").RoomState} RoomState */

/** The browser client the server serves at /socket.io/socket.io.min.js. */
const connect = /** @type {typeof import("socket.io-client").io} */ (
  /** @type {any} */ (globalThis).io
);

const $ = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const esc = (/** @type {unknown} */ s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const time = (/** @type {number} */ at) =>
  new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** @type {import("socket.io-client").Socket<ServerToClientEvents, ClientToServerEvents> | null} */
let socket = null;
/** The room joined, to join again after a reconnection the server could not recover. */
/** @type {string | null} */
let room = null;
/** Messages shown, by id: a message is shown once, whatever replays it. */
const shown = new Set();
/** Who is typing in the room, with the timer that forgets a notice that was never cleared. */
/** @type {Map<string, ReturnType<typeof setTimeout>>} */
const typists = new Map();

/** @param {string} state @param {string} text */
function setStatus(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

/** @param {string} html @param {string} className */
function append(html, className) {
  const line = document.createElement("div");
  line.className = className;
  line.innerHTML = html;
  $("log").append(line);
  $("log").scrollTop = 1e9;
  return line;
}

/** @param {ChatMessage} m @param {boolean} mine */
function showMessage(m, mine) {
  if (shown.has(m.id)) return;
  shown.add(m.id);
  const line = append(
    `<span class=from>${esc(m.from)}</span><span class=text>${esc(m.text)}</span>` +
      `<span class=time>${time(m.at)}</span>${mine ? "<span class=mark>✓ delivered</span>" : ""}`,
    mine ? "msg mine delivered" : "msg",
  );
  line.dataset.id = String(m.id);
}

/** @param {string} text */
const notice = (text) => append(esc(text), "notice");

/** @param {string[]} members */
function showMembers(members) {
  $("members").innerHTML = members.map((m) => `<li>${esc(m)}</li>`).join("");
}

function showTyping() {
  const names = [...typists.keys()];
  $("typing").textContent =
    names.length === 0 ? "" : `${names.join(" and ")} ${names.length === 1 ? "is" : "are"} typing…`;
}

/** @param {string} user @param {boolean} typing */
function setTyping(user, typing) {
  clearTimeout(typists.get(user));
  typists.delete(user);
  if (typing) typists.set(user, setTimeout(() => setTyping(user, false), 6000));
  showTyping();
}

/** @param {RoomState} state @param {boolean} again */
function showRoom(state, again) {
  $("room-title").textContent = `# ${state.room}`;
  $("log").innerHTML = "";
  shown.clear();
  typists.clear();
  showTyping();
  for (const m of state.history) showMessage(m, m.from === $("name").value.trim());
  showMembers(state.members);
  notice(again ? `reconnected: joined ${state.room} again` : `you joined ${state.room}`);
  $("text").disabled = $("send").disabled = false;
}

/** @param {string} name */
function start(name) {
  const s = connect({ auth: { name } });
  socket = s;
  let before = false;
  s.on("connect", async () => {
    if (!before) {
      // The first connection: the join form joins the room.
      before = true;
      setStatus("connected", "connected");
      return;
    }
    if (s.recovered) {
      // Same id, same rooms; what was missed has been replayed.
      setStatus("recovered", "connected · recovered, nothing missed");
      return;
    }
    setStatus("connected", "connected");
    if (room) {
      const state = await s.emitWithAck("joinRoom", room);
      setStatus("restored", "connected · room reloaded");
      showRoom(state, true);
    }
  });
  s.on("disconnect", (reason) => {
    setStatus("reconnecting", `reconnecting… (${reason})`);
  });
  s.io.on("reconnect_attempt", (n) => setStatus("reconnecting", `reconnecting… (attempt ${n})`));
  s.io.on("reconnect_failed", () => setStatus("offline", "offline"));
  s.on("connect_error", (err) => {
    if (!s.active) setStatus("offline", `refused: ${err.message}`);
  });
  s.on("message", (m) => {
    if (m.room !== room) return;
    setTyping(m.from, false);
    showMessage(m, false);
  });
  s.on("typing", (r, user, typing) => r === room && setTyping(user, typing));
  s.on("members", (r, members) => r === room && showMembers(members));
  s.on("notice", (r, text) => {
    if (r !== room) return;
    notice(text);
  });
}

$("join-form").onsubmit = async (e) => {
  e.preventDefault();
  const name = $("name").value.trim();
  const wanted = $("room").value.trim();
  if (!name || !wanted) return;
  if (!socket) {
    $("name").disabled = true;
    start(name);
  }
  const s = /** @type {NonNullable<typeof socket>} */ (socket);
  room = wanted;
  showRoom(await s.emitWithAck("joinRoom", wanted), false);
};

/** The timer after which, with no key pressed, the user is no longer typing. */
/** @type {ReturnType<typeof setTimeout> | undefined} */
let idle;

$("form").onsubmit = async (e) => {
  e.preventDefault();
  const text = $("text").value.trim();
  if (!socket || !room || !text) return;
  $("text").value = "";
  clearTimeout(idle);
  idle = undefined;
  socket.emit("typing", room, false);
  // Shown at once, marked when the server has it (sent now, or on reconnection if offline).
  const line = append(
    `<span class=from>${esc($("name").value.trim())}</span><span class=text>${esc(text)}</span>` +
      `<span class=mark>sending…</span>`,
    "msg mine pending",
  );
  try {
    const m = await socket.timeout(30000).emitWithAck("sendMessage", room, text);
    shown.add(m.id);
    line.dataset.id = String(m.id);
    line.className = "msg mine delivered";
    /** @type {HTMLElement} */ (line.querySelector(".mark")).outerHTML =
      `<span class=time>${time(m.at)}</span><span class=mark>✓ delivered</span>`;
  } catch {
    line.className = "msg mine failed";
    /** @type {HTMLElement} */ (line.querySelector(".mark")).textContent = "not delivered";
  }
};

$("text").oninput = () => {
  const current = room;
  if (!socket || !current) return;
  if (idle === undefined) socket.emit("typing", current, true);
  clearTimeout(idle);
  idle = setTimeout(() => {
    idle = undefined;
    socket?.emit("typing", current, false);
  }, 2000);
};
