// expect: TS2554 an event with an acknowledgement emitted without its callback
import { io, Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../events";

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();
socket.emit("add", 1, 2);
