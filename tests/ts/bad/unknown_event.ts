// expect: TS2345 an event the server does not declare
import { io, Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../events";

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();
socket.emit("sendMesage", "hi");
