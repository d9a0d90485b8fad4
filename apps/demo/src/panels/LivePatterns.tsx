import type { LiveRun } from "../hooks/use-live-run.js";
import { plural } from "../lib/heads.js";
import { ENGINE_CHOICES, type EngineChoice } from "../model/protocol.js";
import * as s from "../styles.js";
import { SelectedPatterns } from "./SelectedPatterns.js";
import { Surprise } from "./Surprise.js";

export interface LivePatternsProps {
  text: string;
  onText: (text: string) => void;
  /** The engine the live run (patterns, per-token loss, detectors) goes through. */
  engine: EngineChoice;
  onEngine: (engine: EngineChoice) => void;
  live: LiveRun;
  /** The page's selected head, "layer.head". */
  selected: string | null;
  onSelectHead: (name: string) => void;
}

const ENGINE_LABELS: Record<EngineChoice, string> = {
  kernels: "kernels (in-process)",
  onnxruntime: "onnxruntime-web",
};

/** The text box and every head's attention pattern on it, updated as you type. */
export function LivePatterns({ text, onText, engine, onEngine, live, selected, onSelectHead }: LivePatternsProps) {
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
      <div style={{ ...s.row, alignItems: "center", marginBottom: 8 }}>
        <label style={{ fontWeight: 600 }} htmlFor="engine-select">
          Engine
        </label>
        <select
          id="engine-select"
          data-testid="engine-select"
          value={engine}
          onChange={(e) => onEngine(e.target.value as EngineChoice)}
          style={{ ...s.button, padding: "4px 8px" }}
        >
          {ENGINE_CHOICES.map((c) => (
            <option key={c} value={c}>
              {ENGINE_LABELS[c]}
            </option>
          ))}
        </select>
        <span style={s.muted}>
          for this view and the detectors; induction, ablations and circuits always run in-process (they need hooks)
        </span>
      </div>
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
            {result.ms.toFixed(1)} ms in the worker · engine{" "}
            <span style={s.mono} data-testid="run-engine">
              {result.engine}
            </span>
          </>
        )}
      </div>
      {error && (
        <div role="alert" style={s.errorBox} data-testid="run-error">
          {error}
          {result ? " The view below shows the last text that ran." : ""}
        </div>
      )}
      {result?.engineWarning && (
        <div role="alert" style={s.errorBox} data-testid="engine-warning">
          {result.engineWarning}
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
