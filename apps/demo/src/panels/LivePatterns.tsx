import type { LiveRun } from "../hooks/use-live-run.js";
import { plural } from "../lib/heads.js";
import * as s from "../styles.js";
import { SelectedPatterns } from "./SelectedPatterns.js";
import { Surprise } from "./Surprise.js";

export interface LivePatternsProps {
  text: string;
  onText: (text: string) => void;
  live: LiveRun;
  /** The page's selected head, "layer.head". */
  selected: string | null;
  onSelectHead: (name: string) => void;
}

/** The text box and every head's attention pattern on it, updated as you type. */
export function LivePatterns({ text, onText, live, selected, onSelectHead }: LivePatternsProps) {
  const { result, error, running } = live;
  const status = error ? "error" : running || !result ? "running" : "ready";
  return (
    <section style={s.panel} aria-label="Attention patterns" id="patterns-panel">
      <h2 style={s.panelTitle}>Type, and watch every head</h2>
      <p style={s.lede}>
        The model reads your text with an activation cache; each thumbnail is one head's attention pattern (
        <span style={s.mono}>blocks.L.attn.hook_pattern</span>, labelled layer.head). Hover a token to see where it
        attends; click to lock, Escape to unlock (the head stays selected).
      </p>
      <textarea
        aria-label="Text to run through the model"
        data-testid="text-input"
        value={text}
        onChange={(e) => onText(e.target.value)}
        rows={4}
        spellCheck={false}
        style={{
          width: "100%",
          resize: "vertical",
          padding: 8,
          borderRadius: 6,
          border: "1px solid var(--border)",
          background: "var(--surface)",
        }}
      />
      <div style={{ ...s.muted, margin: "4px 0 8px", minHeight: 20 }} aria-live="polite">
        <span data-testid="run-status" data-state={status} data-worker-ms={result ? result.ms.toFixed(1) : undefined}>
          {status === "ready" ? "up to date" : status === "running" ? "updating…" : "error"}
        </span>
        {result && (
          <>
            {" · "}
            <span data-testid="token-count" data-count={result.tokens.length}>
              {plural(result.tokens.length, "token")}
            </span>{" "}
            (BOS included) · {plural(result.nLayers * result.nHeads, "head")} · forward pass + detectors{" "}
            {result.ms.toFixed(1)} ms in the worker
          </>
        )}
      </div>
      {error && (
        <div role="alert" style={s.errorBox} data-testid="run-error">
          {error}
          {result ? " The view below shows the last text that ran." : ""}
        </div>
      )}
      {result ? (
        <div data-testid="patterns" id="patterns">
          <SelectedPatterns
            tokens={result.strTokens}
            attention={result.attention}
            nLayers={result.nLayers}
            nHeads={result.nHeads}
            selected={selected}
            onSelectHead={onSelectHead}
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
