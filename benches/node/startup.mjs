// Start-up latency of a new WebSocket session: a raw client opens a session, joins `/`, and
// sends four acknowledged `echo` events the moment the CONNECT answer arrives; the time from the
// open packet to the fourth answer is what a page waits before its first exchanges are done.
//
// Interleaved over the servers named on the command line (`name=port`), one session at a time,
// `ROUNDS` rounds of `SESSIONS` sessions each; prints p50/p90/p99 per server and the paired
// ratio of medians (each round's median over the other's). Run by `benches/startup.sh`.

import WebSocket from "ws";

const ROUNDS = Number(process.env.ROUNDS || 5);
const SESSIONS = Number(process.env.SESSIONS || 200);
const servers = process.argv.slice(2).map((a) => {
  const [name, port] = a.split("=");
  return { name, port: Number(port), rounds: [] };
});

function session(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    let opened = 0;
    let answers = 0;
    const timer = setTimeout(() => reject(new Error("session timed out")), 5000);
    ws.on("message", (data) => {
      const m = data.toString();
      if (m[0] === "0") {
        opened = process.hrtime.bigint();
        ws.send("40");
      } else if (m.startsWith("40")) {
        for (let i = 1; i <= 4; i++) ws.send(`42${i}["echo","hello",${i}]`);
      } else if (m.startsWith("43")) {
        if (++answers === 4) {
          clearTimeout(timer);
          const us = Number(process.hrtime.bigint() - opened) / 1000;
          ws.close();
          resolve(us);
        }
      } else if (m === "2") {
        ws.send("3");
      }
    });
    ws.on("error", reject);
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

for (let r = 0; r < ROUNDS; r++) {
  for (const s of servers) {
    const times = [];
    for (let i = 0; i < SESSIONS; i++) times.push(await session(s.port));
    s.rounds.push(times);
  }
}

const fmt = (us) => `${(us / 1000).toFixed(2)} ms`;
for (const s of servers) {
  const all = s.rounds.flat();
  console.log(
    `${s.name.padEnd(10)} p50 ${fmt(pct(all, 50))}  p90 ${fmt(pct(all, 90))}  p99 ${fmt(pct(all, 99))}  (${all.length} sessions)`,
  );
}
if (servers.length > 1) {
  const [a, ...rest] = servers;
  for (const b of rest) {
    const ratios = a.rounds.map((t, i) => pct(t, 50) / pct(b.rounds[i], 50));
    console.log(`${a.name} / ${b.name}, p50, paired: ${pct(ratios, 50).toFixed(2)} (rounds: ${ratios.map((x) => x.toFixed(2)).join(" ")})`);
  }
}
