// expect: TS2345 a listener that takes the server's string as a number
import { io, Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../events";

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();
socket.on("news", (text: number) => console.log(text + 1));
