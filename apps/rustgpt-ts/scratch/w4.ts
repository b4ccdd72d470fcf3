import { workerData } from "node:worker_threads";
import { cliFlag } from "./w2.ts";
import { Tensor } from "@mini/tensor";
const n: number = workerData.x;
console.log("in worker", n, cliFlag, Tensor.zeros([2]).size, process.stdout.isTTY);
