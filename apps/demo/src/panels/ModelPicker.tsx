import { memo } from "react";
import { getKnownModel } from "@attnscope/core";
import { choiceName, type ModelState } from "../hooks/use-model.js";
import type { LoadProgress, RegistryChoice } from "../model/protocol.js";
import * as s from "../styles.js";
import { LocalCheckpoint } from "./LocalCheckpoint.js";

const CHOICES: { value: RegistryChoice | "files" | "trained"; label: string; note: string }[] = [
  {
    value: "default",
    label: "Embedded default model",
    note: "2 layers, attention-only, subword tokens of its own 6,144-token BPE; ships with the page, works offline",
  },
  {
    value: "attn-only-2l-half",
    label: "attn-only-2l-half",
    note: 'ARENA\'s model from "Finding induction heads", downloaded from Hugging Face once, then cached in the browser',
  },
  {
    value: "gpt2-small",
    label: "GPT-2 small",
    note:
      `OpenAI's GPT-2 small (12 layers × 12 heads, LayerNorm and MLPs, 124M parameters): ` +
      `${formatBytes(getKnownModel("gpt2-small").weightsBytes ?? 0)} of weights downloaded from Hugging Face once, ` +
      "then cached in the browser (its weights take 0.5 GB of memory as float32)",
  },
];

/** What to open from disk instead, when a registry model cannot be downloaded. */
const ON_DISK: Partial<Record<RegistryChoice, string>> = {
  "attn-only-2l-half":
    "attn_only_2L_half.pth, open it below with the attn-only-2l-half config and GPT-NeoX-20B's tokenizer.json",
  "gpt2-small": "openai-community/gpt2's model.safetensors, config.json and tokenizer.json, open the three below",
};
const OPENED = {
  files: { label: "Checkpoint from this computer", note: "read from the files you opened; nothing is uploaded" },
  trained: {
    label: "Tiny model trained on this page",
    note: "the weights of the training panel below, as they were when opened",
  },
};

/** Decimal units, as Hugging Face lists file sizes. */
function formatBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

function ProgressLine({ progress }: { progress: LoadProgress | null }) {
  if (!progress) return <span style={s.muted}>starting…</span>;
  const verb = progress.phase === "download" ? "Downloading" : progress.phase === "read" ? "Reading" : "Parsing";
  const of = progress.total
    ? ` of ${formatBytes(progress.total)} (${Math.floor((100 * progress.loaded) / progress.total)} %)`
    : "";
  return (
    <span style={{ display: "inline-flex", alignItems: "center", gap: 8 }}>
      <progress
        aria-label={`${verb} ${progress.file}`}
        max={progress.total ?? undefined}
        value={progress.total ? progress.loaded : undefined}
        style={{ width: 200 }}
      />
      <span style={s.muted}>
        {verb} {progress.file}: {formatBytes(progress.loaded)}
        {of}
      </span>
    </span>
  );
}

/** Which model the page runs, what it is, and how its loading goes. */
export const ModelPicker = memo(function ModelPicker({ model }: { model: ModelState }) {
  const { info, loading, error } = model;
  const current = loading?.choice ?? info?.choice ?? "default";
  const selected = typeof current === "string" ? current : current.kind;
  const options =
    selected === "files" || selected === "trained" ? [...CHOICES, { value: selected, ...OPENED[selected] }] : CHOICES;
  return (
    <section style={s.panel} aria-label="Model" data-testid="model-panel">
      <div style={{ ...s.row, alignItems: "center" }}>
        <label style={{ fontWeight: 600 }} htmlFor="model-select">
          Model
        </label>
        <select
          id="model-select"
          data-testid="model-select"
          value={selected}
          disabled={loading !== null || !model.client}
          onChange={(e) => model.select(e.target.value as RegistryChoice)}
          style={{ ...s.button, padding: "4px 8px" }}
        >
          {options.map((c) => (
            <option key={c.value} value={c.value} disabled={c.value === "files" || c.value === "trained"}>
              {c.label}
            </option>
          ))}
        </select>
        <span style={s.muted}>{options.find((c) => c.value === selected)?.note}</span>
      </div>
      <div style={{ marginTop: 8 }} data-testid="model-status" aria-live="polite">
        {loading ? (
          <span style={{ display: "inline-flex", flexWrap: "wrap", alignItems: "center", gap: 8 }}>
            Loading {choiceName(loading.choice)}… <ProgressLine progress={loading.progress} />
            {info && (
              <button type="button" style={s.button} onClick={model.cancel} data-testid="model-cancel">
                Cancel
              </button>
            )}
            {info && <span style={s.muted}>(the {info.name} keeps running meanwhile)</span>}
          </span>
        ) : info ? (
          <span style={s.muted}>
            Running{" "}
            <b style={{ color: "var(--text)", overflowWrap: "anywhere" }} data-testid="model-name">
              {info.name}
            </b>
            : {info.nLayers} layers × {info.nHeads} heads, d_model {info.dModel}, vocabulary {info.dVocab} (
            {info.tokenizer} tokenizer), context {info.nCtx} tokens · backend <span style={s.mono}>{info.backend}</span>{" "}
            · loaded in {Math.round(info.loadMs)} ms
          </span>
        ) : null}
      </div>
      {error && (
        <div role="alert" style={s.errorBox} data-testid="model-error">
          Could not load {choiceName(error.choice)}: {error.message}
          {info ? `\nStill running the ${info.name}.` : ""}
          {typeof error.choice === "string" &&
            ON_DISK[error.choice] &&
            `\nOffline, or Hugging Face blocked? If you have the checkpoint on disk (${ON_DISK[error.choice]}).`}
        </div>
      )}
      <LocalCheckpoint onOpen={model.select} disabled={loading !== null || !model.client} />
    </section>
  );
});
