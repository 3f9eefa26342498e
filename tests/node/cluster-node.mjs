// A Node node of a mixed cluster: socket.io 4.8 on @socket.io/redis-streams-adapter 0.3, with the
// same handlers as the socketry nodes of tests/support/cluster_server.rs. Started by that
// fixture with PORT, NODE_NAME, STREAM_COUNT, SHARDED (useShardedPubSub when set) and either
// REDIS_URL (one server) or REDIS_CLUSTER (a Redis Cluster's node URLs, comma-separated); prints
// "ready" once it listens.

import { createServer } from "node:http";
import { Server } from "socket.io";
import { createClient, createCluster } from "redis";
import { createAdapter } from "@socket.io/redis-streams-adapter";

const { PORT, REDIS_URL, REDIS_CLUSTER, NODE_NAME } = process.env;
const redis = REDIS_CLUSTER
  ? createCluster({ rootNodes: REDIS_CLUSTER.split(",").map((url) => ({ url })) })
  : createClient({ url: REDIS_URL });
redis.on("error", (e) => console.error("redis:", e.message));
await redis.connect();

const http = createServer();
const streamCount = Number(process.env.STREAM_COUNT || 1);
const useShardedPubSub = Boolean(process.env.SHARDED);
const io = new Server(http, {
  adapter: createAdapter(redis, { streamCount, useShardedPubSub }),
  connectionStateRecovery: {},
});

io.on("who", (cb) => cb(NODE_NAME));
io.on("note", (text) => io.emit("noted", text, NODE_NAME));

// "/chat" and "/news" map to streams other than "/"'s when STREAM_COUNT is 3.
const onConnection = (socket) => {
  if (!socket.recovered) socket.data = { name: socket.handshake.auth.name ?? "", node: NODE_NAME };
  if (socket.handshake.auth.quiet !== true) socket.emit("welcome", NODE_NAME, socket.recovered);
  socket.on("state", (cb) => cb({ recovered: socket.recovered, data: socket.data, rooms: [...socket.rooms].sort() }));
  socket.on("volatile-say", (room, text) => io.to(room).volatile.emit("said", text, NODE_NAME));
  socket.on("join", (room, cb) => { socket.join(room); cb(); });
  socket.on("say", (room, text) => socket.to(room).emit("said", text, NODE_NAME));
  socket.on("nsp-say", (room, text) => socket.nsp.to(room).emit("said", text, NODE_NAME));
  socket.on("shout", (text) => io.emit("shouted", text, NODE_NAME));
  socket.on("poll", async (room, cb) => {
    const answers = await io.to(room).timeout(3000).emitWithAck("question").catch(() => []);
    cb([...answers].sort());
  });
  socket.on("fetch", async (room, cb) => {
    const sockets = await io.in(room).fetchSockets();
    cb(sockets.map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data, url: s.handshake.url })));
  });
  socket.on("room-size", async (room, cb) => cb((await io.in(room).fetchSockets()).length));
  socket.on("remote-join", (id, room, cb) => { io.in(id).socketsJoin(room); cb(); });
  socket.on("remote-leave", (id, room, cb) => { io.in(id).socketsLeave(room); cb(); });
  socket.on("remote-kick", (id, cb) => { io.in(id).disconnectSockets(); cb(); });
  socket.on("my-rooms", (cb) => cb([...socket.rooms].sort()));
  socket.on("count", async (cb) => cb(await io.of("/").adapter.serverCount()));
  socket.on("ask-servers", async (cb) => {
    const answers = await io.serverSideEmitWithAck("who").catch((e) => ["error: " + e.message]);
    cb([...answers].sort());
  });
  socket.on("note-servers", (text, cb) => { io.serverSideEmit("note", text); cb(); });
};
for (const nsp of ["/", "/chat", "/news"]) io.of(nsp).on("connection", onConnection);

http.listen(Number(PORT), "127.0.0.1", () => console.log("ready"));
