import { useState } from "react";
import { KNOWN_MODELS } from "@attnscope/core";
import { checkpointFrom } from "../lib/local-files.js";
import type { LocalFilesChoice } from "../model/protocol.js";
import * as s from "../styles.js";

/**
 * Open a checkpoint from disk: a file picker and a drop zone for the weights, their config.json (or a known
 * config) and optionally a tokenizer.json. The files are read in the model worker; nothing is uploaded.
 */
export function LocalCheckpoint({
  onOpen,
  disabled,
}: {
  onOpen: (choice: LocalFilesChoice) => void;
  disabled: boolean;
}) {
  const [known, setKnown] = useState<string>("");
  const [problem, setProblem] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const open = async (files: File[]) => {
    if (files.length === 0) return;
    const cfg = known ? (KNOWN_MODELS[known]?.config as Record<string, unknown>) : null;
    const c = await checkpointFrom(files, cfg, known || null);
    if ("error" in c) {
      setProblem(c.error);
      return;
    }
    setProblem(null);
    onOpen(c);
  };
  return (
    <div
      data-testid="checkpoint-drop"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        if (!disabled) void open([...e.dataTransfer.files]);
      }}
      style={{
        marginTop: 10,
        padding: "8px 10px",
        borderRadius: 6,
        border: `1px dashed ${over ? "var(--accent)" : "var(--border)"}`,
        background: over ? "var(--surface)" : "transparent",
      }}
    >
      <div style={{ ...s.row, alignItems: "center", gap: 10 }}>
        <label style={{ ...s.button, display: "inline-block" }}>
          Open a checkpoint…
          <input
            type="file"
            multiple
            accept=".pth,.pt,.safetensors,.json"
            data-testid="checkpoint-input"
            disabled={disabled}
            style={{ display: "none" }}
            onChange={(e) => {
              void open([...(e.target.files ?? [])]);
              e.target.value = "";
            }}
          />
        </label>
        <span style={s.muted}>
          or drop here a .pth or .safetensors file with its config.json (and optionally tokenizer.json).
        </span>
        <label style={s.muted}>
          Without a config.json, use{" "}
          <select
            value={known}
            onChange={(e) => setKnown(e.target.value)}
            data-testid="checkpoint-config"
            style={{ ...s.button, padding: "2px 6px" }}
          >
            <option value="">no known config</option>
            {Object.values(KNOWN_MODELS).map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {problem && (
        <div role="alert" style={s.errorBox} data-testid="checkpoint-problem">
          {problem}
        </div>
      )}
    </div>
  );
}
