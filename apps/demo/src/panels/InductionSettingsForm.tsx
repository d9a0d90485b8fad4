import { useState } from "react";
import type { InductionSettings } from "../model/protocol.js";
import * as s from "../styles.js";

const FIELDS = [
  { key: "seqLen", label: "seq_len", hint: "random tokens per half" },
  { key: "batch", label: "batch", hint: "sequences" },
  { key: "seed", label: "seed", hint: "random generator" },
] as const;

/** seq_len, batch and seed of the repeated-token batch, and Run. */
export function InductionSettingsForm({
  settings,
  running,
  onRun,
}: {
  settings: InductionSettings;
  running: boolean;
  onRun: (s: InductionSettings) => void;
}) {
  const [draft, setDraft] = useState<Record<keyof InductionSettings, string>>({
    seqLen: String(settings.seqLen),
    batch: String(settings.batch),
    seed: String(settings.seed),
  });
  return (
    <form
      style={{ ...s.row, alignItems: "flex-end", gap: 12, margin: "4px 0 10px" }}
      onSubmit={(e) => {
        e.preventDefault();
        onRun({ seqLen: Number(draft.seqLen), batch: Number(draft.batch), seed: Number(draft.seed) });
      }}
    >
      {FIELDS.map((f) => (
        <label key={f.key} style={{ display: "flex", flexDirection: "column", fontSize: 13 }}>
          <span style={s.mono}>{f.label}</span>
          <input
            type="number"
            min={f.key === "seed" ? 0 : f.key === "seqLen" ? 2 : 1}
            step={1}
            value={draft[f.key]}
            data-testid={`induction-${f.key}`}
            title={f.hint}
            onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
            style={{
              width: 90,
              padding: "3px 6px",
              border: "1px solid var(--border)",
              borderRadius: 6,
              background: "var(--surface)",
            }}
          />
        </label>
      ))}
      <button type="submit" style={s.button} disabled={running} data-testid="induction-run">
        {running ? "Running…" : "Run"}
      </button>
    </form>
  );
}
