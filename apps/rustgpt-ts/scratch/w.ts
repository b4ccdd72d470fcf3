import { Worker } from "node:worker_threads";
const w = new Worker(new URL("./wboot.mjs", import.meta.url), { workerData: { x: 1 } });
w.on("exit", (c) => console.log("worker exit", c));
w.on("error", (e) => console.log("worker error", e.message));
