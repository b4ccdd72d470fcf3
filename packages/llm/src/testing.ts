/**
 * @mini/llm/testing: what tests and benches need and applications do not: the float64 reference
 * forward (the oracle every fast model is checked against) and synthetic random model directories.
 */
export { llamaForwardReference, type WeightLookup, type ReferenceOptions } from "./models/llama/model.reference.js";
export { tensorRecordSource } from "@mini/tensor";
export { synthesizeModelDir, type SynthesizeOptions } from "./synth.js";
