import { useMemo } from "react";
import { ColoredTokens } from "@attnscope/react";
import type { RunResult } from "../model/protocol.js";
import * as s from "../styles.js";

/** How surprised the model is by each token of the text: its loss predicting that token. */
export function Surprise({ result }: { result: RunResult | null }) {
  // Loss entry t belongs to token t + 1 (the one predicted); BOS is never predicted.
  const values = useMemo(() => (result ? [0, ...result.loss] : []), [result]);
  const mean = useMemo(
    () => (result && result.loss.length ? result.loss.reduce((a, b) => a + b, 0) / result.loss.length : NaN),
    [result],
  );
  if (!result) return null;
  return (
    <div data-testid="surprise" style={{ marginTop: 12 }}>
      <ColoredTokens
        title="Loss per token (how surprised the model is)"
        tokens={result.strTokens}
        values={values}
        minValue={0}
        valueLabel="loss (nats)"
        exportName="attnscope-token-loss"
      />
      <div style={s.muted}>
        Mean loss <span data-testid="mean-loss">{Number.isFinite(mean) ? mean.toFixed(2) : "–"}</span> nats per token; a
        token the model predicted well is pale.
      </div>
    </div>
  );
}
