// Entry of the worker thread that runs the app (see main.ts): worker threads do not inherit
// tsx's loader hooks, so register them here, then load the TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
