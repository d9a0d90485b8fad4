// NeelNanda's toy models name their weights by the repository's listing (the first file ending in "final.pth"),
// as TransformerLens's get_pretrained_state_dict picks them; here against a local stand-in for the Hub.
import { describe, expect, it } from "vitest";
import { loadModelFiles, resolveConfig } from "../../src/index.js";
import { convertNeelConfig } from "../../src/convert/neel.js";
import { hfListingUrl, isListedHfSource, resolveListedHfSource } from "../../src/io/hf-listing.js";
import { randomStateDict } from "../../src/architecture/params.js";
import { startServer, type Route, type TestServer } from "../helpers/http-server.js";
import { tempWork } from "../helpers/cache-dirs.js";
import { writePth } from "../helpers/torch-zip.js";

const REPO = "NeelNanda/Attn_Only_1L512W_C4_Code";
/** His training script's config.json fields, for a model small enough to serve. */
const NEEL_CONFIG = {
  n_layers: 1,
  d_model: 16,
  d_mlp: 64,
  d_head: 4,
  n_heads: 4,
  n_ctx: 32,
  d_vocab: 50,
  tokenizer_name: "NeelNanda/gpt-neox-tokenizer-digits",
  normalization: "LN",
  act_fn: "gelu",
  shortformer_pos: false,
  attn_only: true,
  ln_eps: 1e-5,
};
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function pthOf(seed: number): Uint8Array {
  const sd = randomStateDict(resolveConfig(convertNeelConfig(NEEL_CONFIG)), { seed, std: 0.3 });
  return writePth(
    Object.fromEntries(
      [...sd].map(([k, t]) => [k, { dtype: "float32" as const, shape: [...t.shape], data: t.data as Float32Array }]),
    ),
  );
}

/** The Hub's routes for the repo: its listing (siblings in the given order), config.json and the weight files. */
function hubRoutes(siblings: string[], files: Record<string, Uint8Array>): Record<string, Route> {
  const routes: Record<string, Route> = {
    [`/api/models/${REPO}/revision/main`]: {
      body: json({ id: REPO, siblings: siblings.map((rfilename) => ({ rfilename })) }),
      contentType: "application/json",
    },
    [`/${REPO}/resolve/main/config.json`]: { body: json(NEEL_CONFIG), contentType: "application/json" },
  };
  for (const [f, body] of Object.entries(files)) routes[`/${REPO}/resolve/main/${f}`] = { body };
  return routes;
}

async function withHub<T>(
  routes: Record<string, Route>,
  run: (requests: string[], server: TestServer) => Promise<T>,
): Promise<T> {
  const server = await startServer(routes);
  const saved = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = server.url;
  try {
    return await run(server.requests, server);
  } finally {
    if (saved === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved;
    await server.close();
  }
}

describe("hf:owner/repo/*suffix", () => {
  it("is recognised only with a * leading the last path segment", () => {
    expect(isListedHfSource(`hf:${REPO}/*final.pth`)).toBe(true);
    expect(isListedHfSource(`hf:${REPO}/model_final.pth`)).toBe(false);
    expect(isListedHfSource(`hf:${REPO}/*/final.pth`)).toBe(false);
    expect(isListedHfSource("./local/*final.pth")).toBe(false);
    expect(hfListingUrl(`hf:${REPO}@v1/*final.pth`, "http://h")).toBe(`http://h/api/models/${REPO}/revision/v1`);
  });

  it("attn-only-1l loads the first listed file ending in final.pth, not a checkpoint, and loads offline from the cache", async () => {
    const { freshDir } = tempWork("attnscope-listing-");
    const cache = freshDir();
    const final = pthOf(1);
    const routes = hubRoutes(
      [".gitattributes", "checkpoints/Attn_Only_1L512W_C4_Code_checkpoint_1000.pth", "config.json", "v1_final.pth"],
      { "checkpoints/Attn_Only_1L512W_C4_Code_checkpoint_1000.pth": pthOf(2), "v1_final.pth": final },
    );
    const want = randomStateDict(resolveConfig(convertNeelConfig(NEEL_CONFIG)), { seed: 1, std: 0.3 });
    await withHub(routes, async (requests, server) => {
      const files = await loadModelFiles("attn-only-1l", { cache, tokenizer: false, processing: "none" });
      expect(requests).toEqual([
        `/${REPO}/resolve/main/config.json`,
        `/api/models/${REPO}/revision/main`,
        `/${REPO}/resolve/main/v1_final.pth`,
      ]);
      expect(files.source).toBe(`hf:${REPO}/v1_final.pth`);
      // The weights are the final file's, not the checkpoint's.
      expect([...files.stateDict.get("blocks.0.attn.W_Q")!.data]).toEqual([...want.get("blocks.0.attn.W_Q")!.data]);
      // The Hub answers nothing now: the listing, config and weights come from the cache.
      server.routes.clear();
      const again = await loadModelFiles("attn-only-1l", { cache, tokenizer: false, processing: "none" });
      expect(requests).toHaveLength(3);
      expect([...again.stateDict.get("blocks.0.attn.W_Q")!.data]).toEqual([...want.get("blocks.0.attn.W_Q")!.data]);
    });
  });

  it("a repository with no such file is an error that names the suffix and the files, before any weights download", async () => {
    const routes = hubRoutes(["config.json", "model.safetensors"], {});
    await withHub(routes, async (requests) => {
      await expect(loadModelFiles("attn-only-1l", { cache: false, tokenizer: false })).rejects.toThrow(
        `hf:${REPO}/*final.pth: no file of ${REPO} ends with "final.pth" (its files: config.json, model.safetensors)`,
      );
      expect(requests.filter((r) => r.includes("/resolve/main/model"))).toEqual([]);
    });
  });

  it("a listing that is not the Hub's model description is refused, and not cached", async () => {
    const { freshDir } = tempWork("attnscope-listing-");
    const cache = freshDir();
    const bad: Record<string, Route> = {
      [`/api/models/${REPO}/revision/main`]: {
        body: json({ error: "Repository not found" }),
        contentType: "application/json",
      },
    };
    await withHub(bad, async () => {
      await expect(resolveListedHfSource(`hf:${REPO}/*final.pth`, { cache })).rejects.toThrow(
        /api\/models\/NeelNanda\/Attn_Only_1L512W_C4_Code\/revision\/main: expected the Hub's model description, a JSON object with a "siblings" array/,
      );
    });
    const traversal = hubRoutes(["../../etc/final.pth"], {});
    await withHub(traversal, async () => {
      await expect(resolveListedHfSource(`hf:${REPO}/*final.pth`, { cache })).rejects.toThrow(
        /siblings\[0\]\.rfilename is not a file path in the repository/,
      );
    });
    // Neither answer was kept: a good listing now is fetched, not read from the cache.
    await withHub(hubRoutes(["a_final.pth"], {}), async (requests) => {
      expect(await resolveListedHfSource(`hf:${REPO}/*final.pth`, { cache })).toBe(`hf:${REPO}/a_final.pth`);
      expect(requests).toEqual([`/api/models/${REPO}/revision/main`]);
    });
  });
});
