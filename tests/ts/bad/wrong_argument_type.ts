// expect: TS2345 a number where the event declares a string
import { io, Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../events";

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();
socket.emit("roomNews", "lobby", 42);
