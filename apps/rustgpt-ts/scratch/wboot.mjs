import { register } from "tsx/esm/api";
register();
await import("./w4.ts");
