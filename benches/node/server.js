// The Node reference under the benchmark's contract: socket.io v4, defaults.
const { Server } = require("socket.io");
// Loopback only, like the other servers under test.
const httpServer = require("http").createServer();
// With REDIS_URL, a node of a cluster on @socket.io/redis-streams-adapter (the cluster rows).
const io = new Server(httpServer);
if (process.env.REDIS_URL) {
  const { createClient } = require("redis");
  const { createAdapter } = require("@socket.io/redis-streams-adapter");
  const redis = createClient({ url: process.env.REDIS_URL });
  redis.connect().then(() => io.adapter(createAdapter(redis)));
}
httpServer.listen(Number(process.env.PORT || 3000), "127.0.0.1");
io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = args.pop();
    ack(...args);
  });
  socket.on("broadcast", (...args) => io.emit("bcast", ...args));
  socket.on("broadcast_bin", (...args) => io.emit("bcast", ...args));
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack();
  });
  socket.on("broadcast_room", (room, ...args) => io.to(room).emit("bcast", ...args));
});
