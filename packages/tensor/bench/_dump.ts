import { relaxedWasmModules } from "../src/wasm/kernels.wasm.ts";
const bytes = Buffer.from(relaxedWasmModules["relaxeddot"]!, "base64");
const mem = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: mem } });
