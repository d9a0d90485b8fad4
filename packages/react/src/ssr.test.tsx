// @vitest-environment node
// Server-side rendering with no DOM at all: importing the package and rendering every component
// must not touch window or document.
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import * as pkg from "./index.js";

const tokens = ["<bos>", " a", " b"];
const attention = [
  [
    [1, 0, 0],
    [0.5, 0.5, 0],
    [0.2, 0.3, 0.5],
  ],
];

describe("server-side rendering without a DOM", () => {
  it("has no window or document here", () => {
    expect(typeof window).toBe("undefined");
    expect(typeof document).toBe("undefined");
  });

  it("renders every component to HTML", () => {
    const html = [
      renderToString(<pkg.AttentionPatterns tokens={tokens} attention={attention} />),
      renderToString(<pkg.AttentionHeads tokens={tokens} attention={attention} />),
      renderToString(<pkg.AttentionPattern tokens={tokens} attention={attention[0]!} />),
      renderToString(<pkg.ColoredTokens tokens={tokens} values={[0, -1, 1]} />),
      renderToString(<pkg.TokenLossPlot tokens={tokens} loss={[2, 1]} />),
      renderToString(<pkg.HeadScoreGrid scores={[[0.1, 0.9]]} />),
      renderToString(<pkg.CompositionScores scores={{ K: [[[[0], [0.5]]], [[[0], [0]]]] }} />),
      renderToString(
        <pkg.LogitAttribution
          tokens={tokens}
          attribution={[
            [1, -1],
            [0.5, 0],
          ]}
          labels={["direct", "0.0"]}
        />,
      ),
      renderToString(
        <pkg.TokenLogProbs
          prompt={tokens}
          topKLogProbs={[[-1], [-2]]}
          topKTokens={[[" a"], [" c"]]}
          correctTokenRank={[0, 1]}
          correctTokenLogProb={[-1, -3]}
        />,
      ),
      renderToString(
        <pkg.ColoredTokensMulti
          tokens={tokens}
          values={[
            [1, 2],
            [0, 1],
            [-1, 0],
          ]}
          negativeColor="hsl(0 80% 50%)"
        />,
      ),
      renderToString(<pkg.TextNeuronActivations tokens={tokens} activations={[[[1]], [[0]], [[2]]]} />),
      renderToString(<pkg.TopkSamples tokens={[[[tokens]]]} activations={[[[[0, 1, 2]]]]} />),
      renderToString(
        <pkg.TopkTokens
          tokens={[tokens]}
          topkVals={[[[[1]]]]}
          topkIdxs={[[[[2]]]]}
          bottomkVals={[[[[0]]]]}
          bottomkIdxs={[[[[1]]]]}
        />,
      ),
    ];
    for (const h of html) expect(h.length).toBeGreaterThan(100);
    expect(html[0]).toContain('aria-label="Head 0"');
    expect(html[3]).toContain("\u00a0a");
    expect(html[5]).toContain("Above 0.4: 0.1");
  });

  it("escapes hostile tokens in server HTML", () => {
    const html = renderToString(<pkg.ColoredTokens tokens={["<img src=x onerror=alert(1)>"]} values={[1]} />);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img");
  });
});
