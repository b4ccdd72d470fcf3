/**
 * node-llama-cpp's prebuilt llama.cpp (devDependency, pinned; nothing is downloaded or built at run
 * time): the Llama instance of this process, and its libraries called directly through koffi (FFI):
 * ggml's reference codecs and llama.cpp's own quantizer. For the oracle tests and for
 * apps/llama-infer's benches, which import it as "@mini/llm/llamacpp-native" (a development-only
 * export: it resolves under the @mini/source condition alone, the published package has no test/).
 * No vitest here, so that a bench can import it.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import koffi from "koffi";
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";

process.env["NODE_LLAMA_CPP_SKIP_DOWNLOAD"] = "true";

let llama: Promise<Llama> | undefined;
/** node-llama-cpp's CPU build, loaded once per process, logging errors only. */
export const llamaCpp = (): Promise<Llama> => (llama ??= getLlama({ gpu: false, build: "never", skipDownload: true, logLevel: LlamaLogLevel.error, vramPadding: 0 }));

type Lib = ReturnType<typeof koffi.load>;
const loaded = new Map<string, Lib>();

/** A library of node-llama-cpp's binary for this platform (its package's bins/<platform>-<arch>/), e.g. "libggml-base". */
export function llamaCppLibrary(name: string): Lib {
  const platform = `${process.platform}-${process.arch}`;
  const fromLlamaCpp = createRequire(createRequire(import.meta.url).resolve("node-llama-cpp"));
  const bins = join(dirname(fromLlamaCpp.resolve(`@node-llama-cpp/${platform}`)), "..", "bins", platform);
  const file = join(bins, `${name}${process.platform === "darwin" ? ".dylib" : ".so"}`);
  let lib = loaded.get(file);
  if (lib === undefined) loaded.set(file, (lib = koffi.load(file)));
  return lib;
}

/** llama.cpp's model file types (enum llama_ftype) the tests and benches quantize to. */
export const LLAMA_FTYPE = { Q4_0: 2, Q4_1: 3, Q8_0: 7, Q5_0: 8, Q5_1: 9, Q2_K: 10, Q3_K_M: 12, Q4_K_M: 15, Q5_K_M: 17, Q6_K: 18, IQ4_NL: 25, IQ4_XS: 30 } as const;

/**
 * `llama-quantize in out FTYPE` (one thread, no imatrix) by llama.cpp's llama_model_quantize: its
 * default parameters, with the file type set. Returns after the file is written.
 */
export async function llamaQuantize(input: string, output: string, ftype: keyof typeof LLAMA_FTYPE): Promise<void> {
  await llamaCpp(); // loads the libraries and sets llama.cpp's log level (errors only)
  const { defaults, quantize } = (quantizer ??= quantizerFunctions());
  const p = Uint8Array.from((defaults() as { bytes: number[] }).bytes);
  const dv = new DataView(p.buffer);
  dv.setInt32(0, 1, true);
  dv.setInt32(4, LLAMA_FTYPE[ftype], true);
  const rc = quantize(input, output, { bytes: Array.from(p) }) as number;
  if (rc !== 0) throw new Error(`llama_model_quantize ${input} → ${output} (${ftype}) failed: ${rc}`);
}

let quantizer: ReturnType<typeof quantizerFunctions> | undefined;
function quantizerFunctions() {
  const lib = llamaCppLibrary("libllama.v0.4.0");
  // llama_model_quantize_params, opaque (larger than the struct): its first fields are int32 nthread, then the ftype.
  const Params = koffi.struct("llama_model_quantize_params_bytes", { bytes: koffi.array("uint8", 256) });
  return {
    defaults: lib.func("llama_model_quantize_default_params", Params, []),
    quantize: lib.func("llama_model_quantize", "uint32_t", ["const char *", "const char *", koffi.pointer(Params)]),
  };
}
