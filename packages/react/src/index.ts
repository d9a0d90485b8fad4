/**
 * @attnscope/react — attention visualisations for React and plain pages.
 *
 * Components take tokens and arrays (nested or flat Float32Array); they render on canvas, follow
 * the reader's colour scheme, and each has a `render<Name>(element, props)` twin for pages
 * without React.
 */
export { AttentionPatterns, renderAttentionPatterns } from "./AttentionPatterns/index.js";
export type { AttentionPatternsProps, AttentionDirection, TokenRef } from "./AttentionPatterns/index.js";
export { AttentionHeads, renderAttentionHeads } from "./AttentionHeads/index.js";
export type { AttentionHeadsProps } from "./AttentionHeads/index.js";
export { AttentionPattern, renderAttentionPattern } from "./AttentionPattern/index.js";
export type { AttentionPatternProps, PatternCell } from "./AttentionPattern/index.js";
export type { PatternFigureProps } from "./shared/use-pattern-figure.js";
export { ColoredTokens, renderColoredTokens } from "./ColoredTokens/index.js";
export type { ColoredTokensProps } from "./ColoredTokens/index.js";
export { TokenLossPlot, renderTokenLossPlot, detectRepeatStart } from "./TokenLossPlot/index.js";
export type { TokenLossPlotProps } from "./TokenLossPlot/index.js";
export { HeadScoreGrid, renderHeadScoreGrid } from "./HeadScoreGrid/index.js";
export type { HeadScoreGridProps, HeadRef } from "./HeadScoreGrid/index.js";
export { CompositionScores, renderCompositionScores } from "./CompositionScores/index.js";
export type {
  CompositionScoresProps,
  CompositionMode,
  CompositionTensor,
  HeadPair,
} from "./CompositionScores/index.js";
export { LogitAttribution, renderLogitAttribution } from "./LogitAttribution/index.js";
export type { LogitAttributionProps, AttributionCell } from "./LogitAttribution/index.js";
export { TokenLogProbs, renderTokenLogProbs } from "./TokenLogProbs/index.js";
export type { TokenLogProbsProps } from "./TokenLogProbs/index.js";
export { TopkTokens, renderTopkTokens } from "./TopkTokens/index.js";
export type { TopkTokensProps } from "./TopkTokens/index.js";
export { TopkSamples, renderTopkSamples } from "./TopkSamples/index.js";
export type { TopkSamplesProps } from "./TopkSamples/index.js";
export { ColoredTokensMulti, renderColoredTokensMulti } from "./ColoredTokensMulti/index.js";
export type { ColoredTokensMultiProps } from "./ColoredTokensMulti/index.js";
export { TextNeuronActivations, renderTextNeuronActivations } from "./TextNeuronActivations/index.js";
export type { TextNeuronActivationsProps } from "./TextNeuronActivations/index.js";

// Data helpers.
export { stackLayers, toAttentionTensor, toPatternTensor } from "./lib/attention-data.js";
export type { AttentionInput, PatternInput, ShapedArray, AttentionTensor } from "./lib/attention-data.js";
// Colour scales and themes.
export { getColorScale, colorAt, twoColorScale } from "./lib/color-scales.js";
export { parseCssColor } from "./lib/css-color.js";
export type { ColorScaleName, ColorLUT, RGB } from "./lib/color-scales.js";
export { lightTheme, darkTheme, resolveTheme } from "./lib/theme.js";
export type { Theme, ThemeProp } from "./lib/theme.js";
// Export of views outside the built-in PNG/SVG buttons.
export { attentionPatternFigure, figureToCanvas, figureToPNG, figureToSVG, downloadFigure } from "./lib/figures.js";
export type { Figure } from "./lib/export.js";
export type { MountedComponent } from "./lib/plain-render.js";
