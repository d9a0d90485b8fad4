import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, fn, userEvent, waitFor, within } from "storybook/test";
import { FixtureMissing } from "../stories-support/FixtureMissing.js";
import { loadCircuits, MISSING_TINY_MESSAGE, type CircuitsFixture } from "../stories-support/fixtures.js";
import { rng } from "../stories-support/synthetic.js";
import { CompositionScores } from "./CompositionScores.js";

/**
 * A 2-layer, 12-head model in which head 0.7 (previous token) K-composes with the induction
 * heads 1.4 and 1.10, and the rest sits near a random baseline.
 */
function synthetic(mode: "Q" | "K" | "V"): number[][][][] {
  const r = rng(mode.charCodeAt(0));
  return [0, 1].map((l1) =>
    Array.from({ length: 12 }, (_, h1) =>
      [0, 1].map((l2) =>
        Array.from({ length: 12 }, (_, h2) => {
          if (l1 >= l2) return 0;
          const strong = mode === "K" && h1 === 7 && (h2 === 4 || h2 === 10);
          return strong ? 0.28 + 0.02 * r() : 0.05 + 0.03 * r();
        }),
      ),
    ),
  );
}
const scores = { Q: synthetic("Q"), K: synthetic("K"), V: synthetic("V") };

const meta = {
  title: "Circuits/CompositionScores",
  component: CompositionScores,
  args: { scores, baseline: 0.065, title: "Composition scores (synthetic)", cellSize: 34, onSelectPair: fn() },
} satisfies Meta<typeof CompositionScores>;
export default meta;
type Story = StoryObj<typeof meta>;

export const SyntheticWithBaseline: Story = {
  play: async ({ canvasElement, args }) => {
    const c = within(canvasElement);
    await expect(c.getByRole("button", { name: "K-composition" }).getAttribute("aria-pressed")).toBe("true");
    // 12 source heads × 12 destination heads.
    await expect(c.getAllByRole("button", { name: /^K-composition \d/ })).toHaveLength(144);
    const strong = c.getByRole("button", { name: /^K-composition 0\.7 → 1\.10: / });
    await expect(strong.getAttribute("aria-label")).toMatch(/\(4\.\d× baseline 0\.065\)/);
    await userEvent.hover(strong);
    await waitFor(() => expect(c.getByRole("status").textContent).toContain("0.7 → 1.10"));
    await userEvent.click(strong);
    await expect(args.onSelectPair).toHaveBeenLastCalledWith(
      { source: { layer: 0, head: 7 }, destination: { layer: 1, head: 10 } },
      "K",
    );
    // Arrow keys move between pairs.
    await userEvent.keyboard("{ArrowLeft}");
    await expect(document.activeElement?.getAttribute("aria-label")).toMatch(/^K-composition 0\.7 → 1\.9:/);
    // Switching mode keeps the same layout; V has no strong pair.
    await userEvent.click(c.getByRole("button", { name: "V-composition" }));
    await expect(c.getByRole("button", { name: /^V-composition 0\.7 → 1\.10: / }).getAttribute("aria-label")).toMatch(
      /: 0\.0[5-8]\d/,
    );
  },
};

export const Dark: Story = { args: { theme: "dark", baseline: undefined, colorScale: "cividis" } };

/** A selection held by the parent: the story's own state drives `selectedPair`. */
export const Controlled: Story = {
  args: { selectedPair: { source: { layer: 0, head: 7 }, destination: { layer: 1, head: 4 } } },
  play: async ({ canvasElement }) => {
    const sel = canvasElement.querySelector('[aria-selected="true"] button');
    await expect(sel?.getAttribute("aria-label")).toMatch(/^K-composition 0\.7 → 1\.4:/);
  },
};

function Real({ circuits }: { circuits: CircuitsFixture | null }) {
  if (!circuits) return <FixtureMissing message={MISSING_TINY_MESSAGE} />;
  return (
    <CompositionScores
      scores={circuits.composition}
      headLabels={circuits.head_labels}
      title="tl-attn2l-tiny · all_composition_scores"
    />
  );
}

/** TransformerLens's composition scores of the small trained model: head 0.0 K-composes with every layer-1 head. */
export const RealTinyModel: Story = {
  loaders: [async () => ({ circuits: await loadCircuits() })],
  render: (_a, { loaded }) => <Real circuits={loaded.circuits as CircuitsFixture | null} />,
  play: async ({ canvasElement, loaded }) => {
    const circuits = loaded.circuits as CircuitsFixture | null;
    if (!circuits) return void (await expect(within(canvasElement).getByRole("note")).toBeTruthy());
    const c = within(canvasElement);
    const K = circuits.composition.K;
    // Each cell shows the fixture's own number, read straight from the [L1][H1][L2][H2] array.
    await expect(c.getByRole("button", { name: /^K-composition 0\.0 → 1\.3: / }).getAttribute("aria-label")).toBe(
      `K-composition 0.0 → 1.3: ${K[0]![0]![1]![3]!.toFixed(3)}`,
    );
    // The previous-token head's row is the strongest K-composition (0.22–0.25 in the fixture's README).
    for (let h = 0; h < 4; h++) {
      const label = c
        .getByRole("button", { name: new RegExp(`^K-composition 0\\.0 → 1\\.${h}: `) })
        .getAttribute("aria-label")!;
      const v = Number(label.split(": ")[1]);
      await expect(v).toBeGreaterThan(0.2);
      for (let src = 1; src < 4; src++) await expect(v).toBeGreaterThan(K[0]![src]![1]![h]!);
    }
  },
};
