// expect: TS2322 a tag the enum does not have
import type { Shape } from "../events";

const shape: Shape = { kind: "triangle", radius: 1 };
console.log(shape);
