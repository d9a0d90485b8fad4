/** Every component by name: what the one-file bundle's `render(element, name, props)` looks up. */
export { AttentionPatterns } from "./AttentionPatterns/AttentionPatterns.js";
export { AttentionHeads } from "./AttentionHeads/AttentionHeads.js";
export { AttentionPattern } from "./AttentionPattern/AttentionPattern.js";
export { ColoredTokens } from "./ColoredTokens/ColoredTokens.js";
export { ColoredTokensMulti } from "./ColoredTokensMulti/ColoredTokensMulti.js";
export { TokenLossPlot } from "./TokenLossPlot/TokenLossPlot.js";
export { HeadScoreGrid } from "./HeadScoreGrid/HeadScoreGrid.js";
export { CompositionScores } from "./CompositionScores/CompositionScores.js";
export { LogitAttribution } from "./LogitAttribution/LogitAttribution.js";
export { TokenLogProbs } from "./TokenLogProbs/TokenLogProbs.js";
export { TopkTokens } from "./TopkTokens/TopkTokens.js";
export { TopkSamples } from "./TopkSamples/TopkSamples.js";
export { TextNeuronActivations } from "./TextNeuronActivations/TextNeuronActivations.js";
