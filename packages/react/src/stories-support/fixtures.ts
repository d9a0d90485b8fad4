/**
 * Real attention of callummcdougall/attn_only_2L_half (TransformerLens goldens), served by
 * Storybook from ../shared/fixtures when that directory exists. Stories degrade to a message
 * when it does not.
 */

export interface AttnFixture {
  str_tokens: string[];
  attention: Record<"0" | "1", number[][][]>;
}

export interface DetectorScores {
  we_think: Record<"0" | "1", Record<string, number[]>>;
  repeated: Record<"0" | "1", Record<string, number[]>>;
}

export const FIXTURE_DIR = "fixtures/attn_only_2L_half";

async function fetchFile(path: string): Promise<Response | null> {
  try {
    const res = await fetch(path);
    if (!res.ok) return null;
    // A dev server may answer a missing file with its HTML index page.
    if ((res.headers.get("content-type") ?? "").includes("text/html")) return null;
    return res;
  } catch {
    return null;
  }
}

async function fetchJson<T>(file: string, dir = FIXTURE_DIR): Promise<T | null> {
  const res = await fetchFile(`${dir}/${file}`);
  try {
    return res ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}

export const loadWeThink = () => fetchJson<AttnFixture>("we_think_prompt.attn.json");
export const loadRepeated = () => fetchJson<AttnFixture>("repeated_tokens_seq50.attn.json");
export const loadDetectorScores = () => fetchJson<DetectorScores>("detector_scores.json");

export const MISSING_FIXTURE_MESSAGE =
  "The real-model fixtures (../shared/fixtures/attn_only_2L_half next to the repository) are not available, " +
  "so this story has nothing to show. The synthetic stories show the same components.";

/** The small trained model's circuit quantities (TransformerLens 2.14 on tl-attn2l-tiny). */
export const TINY_DIR = "fixtures/tl-attn2l-tiny";

export type CompositionMode = "Q" | "K" | "V";

export interface CircuitsFixture {
  head_labels: string[];
  /** model.all_composition_scores(mode), [L1][H1][L2][H2]. */
  composition: Record<CompositionMode, number[][][][]>;
  logit_attribution: Record<string, { labels: string[] }>;
}

export interface LogitAttributionFixture {
  /** str_tokens of the input (with BOS). */
  tokens: string[];
  /** Component labels: "direct", then every head. */
  labels: string[];
  /** [T − 1, components], row-major. */
  attribution: Float32Array;
  /** logits[t, tokens[t + 1]], [T − 1]. */
  correctLogits: Float32Array;
  /** bias contribution to the correct logit, [T − 1]. */
  biasLogits: Float32Array;
}

interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** F32 tensors of a safetensors file by name (the little reader the stories need). */
function readF32(buffer: ArrayBuffer, names: readonly string[]): Record<string, Float32Array> {
  const view = new DataView(buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength))) as Record<
    string,
    SafetensorsEntry
  >;
  const out: Record<string, Float32Array> = {};
  for (const name of names) {
    const e = header[name];
    if (!e || e.dtype !== "F32") throw new Error(`circuits.safetensors has no F32 tensor ${name}`);
    const [begin, end] = e.data_offsets;
    out[name] = new Float32Array(buffer.slice(8 + headerLength + begin, 8 + headerLength + end));
  }
  return out;
}

export const loadCircuits = () => fetchJson<CircuitsFixture>("circuits.json", TINY_DIR);

/** Logit attribution of one input of tl-attn2l-tiny ("seed_text", "repeated_random", …). */
export async function loadLogitAttribution(input: string): Promise<LogitAttributionFixture | null> {
  const [circuits, goldens, res] = await Promise.all([
    loadCircuits(),
    fetchJson<{ inputs: { name: string; str_tokens: string[] }[] }>("goldens.json", TINY_DIR),
    fetchFile(`${TINY_DIR}/circuits.safetensors`),
  ]);
  const entry = goldens?.inputs.find((i) => i.name === input);
  if (!circuits || !entry || !res) return null;
  const names = [`${input}.logit_attribution`, `${input}.correct_logits`, `${input}.bias_logits`];
  const t = readF32(await res.arrayBuffer(), names);
  return {
    tokens: entry.str_tokens,
    labels: circuits.logit_attribution[input]!.labels,
    attribution: t[names[0]!]!,
    correctLogits: t[names[1]!]!,
    biasLogits: t[names[2]!]!,
  };
}

export const MISSING_TINY_MESSAGE =
  "The circuit fixtures (../shared/fixtures/tl-attn2l-tiny next to the repository) are not available, " +
  "so this story has nothing to show. The synthetic stories show the same component.";
