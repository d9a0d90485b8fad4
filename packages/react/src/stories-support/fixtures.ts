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

async function fetchJson<T>(file: string): Promise<T | null> {
  try {
    const res = await fetch(`${FIXTURE_DIR}/${file}`);
    if (!res.ok) return null;
    const type = res.headers.get("content-type") ?? "";
    // A dev server may answer a missing file with its HTML index page.
    if (type.includes("text/html")) return null;
    return (await res.json()) as T;
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
