// A client of tests/support/typed_server.rs, typed by the declarations generated from its
// traits (events.d.ts): every event used as declared. `tsc --strict` must accept it.
import { io, Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents, Shape, Described } from "./events";

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io("http://127.0.0.1:3000");

socket.emit("echoArgs", 7, "seven", true, [1, -2, 3], { label: "x", values: [1.5] });
socket.emit("upload", "blob", new Uint8Array([1, 2, 3]), (length: number) => console.log(length));
socket.emit("custom:name", "hello");
socket.emit("add", 1, 2, (sum) => {
  const n: number = sum;
  console.log(n);
});
socket.emit("optional", "a", null, (b) => console.log(b ?? "none"));

async function asks(): Promise<void> {
  const sum: number = await socket.emitWithAck("add", 40, 2);
  const members: Array<string> = await socket.emitWithAck("pollRoom", "lobby");
  const done = await socket.timeout(1000).emitWithAck("join", "lobby");
  const circle: Shape = { kind: "circle", radius: 2 };
  const described: Described = await socket.emitWithAck("describe", circle);
  const remark: string | null = described.remark;
  const count: number = described.count;
  console.log(sum, members, done, remark, count, described.label, described.values);
}

socket.on("echoed", (n, s, b, list, obj) => console.log(n + 1, s.length, !b, list[0], obj.label));
socket.on("download", (name, data) => console.log(name, data.byteLength));
socket.on("renamed:back", (value) => console.log(value.toUpperCase()));
socket.on("question", (question, callback) => callback(question.length > 0));
socket.on("answered", (answer, error) => console.log(answer === true, error?.length));
socket.on("poll", (room, callback) => callback(`here in ${room}`));

void asks();
