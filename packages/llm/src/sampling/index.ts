export {
  OptionError,
  SamplingOptionError,
  resolveSamplingOptions,
  randomSeed,
  type SamplingOptions,
  type ResolvedSamplingOptions,
} from "./options.js";
export { Candidates } from "./candidates.js";
export {
  repetitionPenaltyProcessor,
  temperatureProcessor,
  topKProcessor,
  topPProcessor,
  minPProcessor,
  buildProcessors,
  type LogitsProcessor,
} from "./processors.js";
export { Sampler, argmax } from "./sampler.js";
