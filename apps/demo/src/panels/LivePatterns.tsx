import { AttentionPatterns } from "@attnscope/react";
import type { LiveRun } from "../hooks/use-live-run.js";
import * as s from "../styles.js";
import { Surprise } from "./Surprise.js";

export interface LivePatternsProps {
  text: string;
  onText: (text: string) => void;
  live: LiveRun;
  /** Head to show (stacked index), e.g. one clicked in a detector grid. */
  focusHead?: { index: number; seq: number } | null;
}

/** The text box and every head's attention pattern on it, updated as you type. */
export function LivePatterns({ text, onText, live, focusHead }: LivePatternsProps) {
  const { result, error, running } = live;
  return (
    <section style={s.panel} aria-label="Attention patterns">
      <h2 style={s.panelTitle}>Type, and watch every head</h2>
      <p style={s.lede}>
        The model reads your text with an activation cache; each thumbnail is one head's attention pattern
        (<span style={s.mono}>blocks.L.attn.hook_pattern</span>, labelled layer.head). Hover a token to see where it attends; click to lock.
      </p>
      <textarea
        aria-label="Text to run through the model"
        data-testid="text-input"
        value={text}
        onChange={(e) => onText(e.target.value)}
        rows={4}
        spellCheck={false}
        style={{ width: "100%", resize: "vertical", padding: 8, borderRadius: 6, border: "1px solid var(--border)", background: "var(--surface)" }}
      />
      <div style={{ ...s.muted, margin: "4px 0 8px", minHeight: 20 }} aria-live="polite">
        {result && (
          <>
            <span data-testid="token-count">{result.tokens.length}</span> tokens (BOS included) · {result.nLayers * result.nHeads} heads ·
            forward pass + detectors {result.ms.toFixed(1)} ms in the worker
          </>
        )}
        {running && <span> · updating…</span>}
      </div>
      {error && (
        <div role="alert" style={s.errorBox} data-testid="run-error">
          {error}
          {result ? " The view below shows the last text that ran." : ""}
        </div>
      )}
      {result ? (
        <div data-testid="patterns" id="patterns">
          <AttentionPatterns
            // A head picked elsewhere remounts the view with that head selected.
            key={focusHead ? `focus-${focusHead.seq}` : "initial"}
            initialHead={focusHead && focusHead.index < result.headLabels.length ? focusHead.index : 0}
            tokens={result.strTokens}
            attention={{ data: result.attention, shape: [result.nLayers * result.nHeads, result.tokens.length, result.tokens.length] }}
            headLabels={result.headLabels}
            headsPerRow={result.nHeads}
            size={420}
            thumbnailSize={56}
            exportName="attnscope-patterns"
          />
        </div>
      ) : (
        <p style={s.muted}>Waiting for the model…</p>
      )}
      <Surprise result={result} />
    </section>
  );
}
