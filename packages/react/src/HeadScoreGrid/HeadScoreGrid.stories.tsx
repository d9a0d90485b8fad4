import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, fn, userEvent, waitFor, within } from "storybook/test";
import { FixtureMissing } from "../stories-support/FixtureMissing.js";
import { loadDetectorScores, type DetectorScores } from "../stories-support/fixtures.js";
import { HeadScoreGrid } from "./HeadScoreGrid.js";

const synthetic = [
  [0.05, 0.12, 0.08, 0.91, 0.1, 0.03, 0.2, 0.07, 0.15, 0.02, 0.11, 0.06],
  [0.1, 0.04, 0.02, 0.05, 0.72, 0.09, 0.13, 0.08, 0.01, 0.06, 0.66, 0.12],
];

const meta = {
  title: "Heads/HeadScoreGrid",
  component: HeadScoreGrid,
  args: { scores: synthetic, title: "Induction score (synthetic)", scoreLabel: "induction score", onSelectHead: fn() },
} satisfies Meta<typeof HeadScoreGrid>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Synthetic: Story = {
  play: async ({ canvasElement, args }) => {
    const c = within(canvasElement);
    const outlined = canvasElement.querySelectorAll("[data-above-threshold]");
    await expect([...outlined].map((b) => b.getAttribute("aria-label")?.split(":")[0])).toEqual([
      "Head 0.3",
      "Head 1.4",
      "Head 1.10",
    ]);
    await expect(c.getByRole("status").textContent).toBe("Above 0.4: 0.3, 1.4, 1.10");
    // Hover shows the value; click selects and reports the head.
    await userEvent.hover(c.getByRole("button", { name: /^Head 1\.4:/ }));
    await waitFor(() => expect(c.getByRole("status").textContent).toContain("Head 1.4: induction score 0.720"));
    await userEvent.click(c.getByRole("button", { name: /^Head 1\.4:/ }));
    await expect(args.onSelectHead).toHaveBeenLastCalledWith({ layer: 1, head: 4 });
    // Arrow keys move focus across the grid.
    await userEvent.keyboard("{ArrowRight}{ArrowUp}");
    await expect(document.activeElement?.getAttribute("aria-label")).toMatch(/^Head 0\.5:/);
  },
};

/**
 * Eight heads in a column narrower than the grid, as in a page of three detectors side by side:
 * the grid keeps its cells and its titles, and "layer 0" stays on one line.
 */
export const NarrowColumn: Story = {
  args: {
    scores: synthetic.map((r) => r.slice(0, 8)),
    title: "Previous-token score",
    scoreLabel: "previous-token score",
  },
  decorators: [
    (S) => (
      <div style={{ display: "flex" }}>
        <div style={{ flex: "0 1 240px", minWidth: 0 }}>
          <S />
        </div>
      </div>
    ),
  ],
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    for (const h of c.getAllByRole("rowheader")) await expect(h.getBoundingClientRect().height).toBeLessThan(20);
    // One row per layer, each a cell tall (40 px) plus the 2 px gap.
    const rows = c.getAllByRole("rowheader").map((h) => h.getBoundingClientRect().top);
    await expect(rows[1]! - rows[0]!).toBeLessThan(50);
    await expect(canvasElement.querySelector('[data-axis-title="row"]')?.textContent).toBe("Layer");
    await expect(canvasElement.querySelector('[data-axis-title="column"]')?.textContent).toBe("Head");
    await expect(canvasElement.querySelector('[data-axis-title="color-bar"]')?.textContent).toBe(
      "previous-token score",
    );
  },
};

export const SignedScoresDark: Story = {
  args: {
    scores: synthetic.map((r) => r.map((v, i) => (i % 3 === 0 ? -v : v))),
    theme: "dark",
    threshold: 0.5,
    title: "Signed scores",
  },
};

function Real({
  scores,
  which,
  metric,
  title,
}: {
  scores: DetectorScores | null;
  which: "we_think" | "repeated";
  metric: string;
  title: string;
}) {
  if (!scores) return <FixtureMissing />;
  const grid = [scores[which]["0"][metric]!, scores[which]["1"][metric]!];
  return <HeadScoreGrid scores={grid} title={title} scoreLabel={metric} cellSize={44} />;
}

/** ARENA's previous-token detector on “We think…”: only head 0.7 clears 0.4. */
export const RealModelPreviousToken: Story = {
  loaders: [async () => ({ scores: await loadDetectorScores() })],
  render: (_a, { loaded }) => (
    <Real
      scores={loaded.scores as DetectorScores | null}
      which="we_think"
      metric="prev_subdiag_mean"
      title="attn_only_2L_half · previous-token score"
    />
  ),
  play: async ({ canvasElement, loaded }) => {
    if (!loaded.scores) return;
    await expect(within(canvasElement).getByRole("status").textContent).toBe("Above 0.4: 0.7");
  },
};

/** ARENA's induction detector on the repeated sequence: heads 1.4 and 1.10. */
export const RealModelInduction: Story = {
  loaders: [async () => ({ scores: await loadDetectorScores() })],
  render: (_a, { loaded }) => (
    <Real
      scores={loaded.scores as DetectorScores | null}
      which="repeated"
      metric="induction_diag_mean"
      title="attn_only_2L_half · induction score"
    />
  ),
  play: async ({ canvasElement, loaded }) => {
    if (!loaded.scores) return;
    await expect(within(canvasElement).getByRole("status").textContent).toBe("Above 0.4: 1.4, 1.10");
  },
};

export const MissingFixtureMessage: Story = {
  render: () => <FixtureMissing />,
};
