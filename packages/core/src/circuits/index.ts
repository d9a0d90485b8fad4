// Circuits: the quantities of the second half of ARENA's "Finding induction heads". Each function's doc
// comment gives its formula.
export { parseHead, formatHead } from "./heads.js";
export type { HeadRef, HeadIndex } from "./heads.js";
export { compositionScores, compositionScore, compositionBaseline } from "./composition.js";
export type { CompositionMode } from "./composition.js";
export { logitAttribution } from "./logit-attribution.js";
export type { LogitAttribution } from "./logit-attribution.js";
export { ablationScores, ablationInductionScore, repeatedSeqLen } from "./ablation.js";
export type { AblationMode, AblationScores } from "./ablation.js";
export {
  fullOvCircuit,
  topKAccuracy,
  diagonalRanks,
  copyingScore,
  ovCircuitTable,
  prepareColumns,
  ranksAgainst,
} from "./ov-circuit.js";
export type { CircuitOptions, CircuitProgress, CircuitColumns, OvCircuitTable, RankOptions } from "./ov-circuit.js";
export { resolveVocab } from "./vocab.js";
export type { VocabRange } from "./vocab.js";
export { positionalQkScore } from "./positional.js";
export { kCompositionFullCircuit, kCompositionTop1, kCompositionTop1Table } from "./k-composition.js";
export {
  decomposeQkInput,
  decomposeQ,
  decomposeK,
  decomposedAttnScores,
  decomposedAttnScoreStd,
} from "./decompose-qk.js";
export { findInductionCircuits } from "./find-induction-circuits.js";
export type { InductionCircuit, InductionCircuits, FindInductionCircuitsOptions } from "./find-induction-circuits.js";
