import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { stackLayers } from "../lib/attention-data.js";
import { FixtureMissing } from "../stories-support/FixtureMissing.js";
import { loadRepeated, type AttnFixture } from "../stories-support/fixtures.js";
import { syntheticAttention, syntheticTokens } from "../stories-support/synthetic.js";
import { AttentionHeads } from "./AttentionHeads.js";

const tokens = syntheticTokens(12, 9, true);
const kinds = ["previous", "first", "current", "induction", "diffuse", "previous"] as const;
const attention = syntheticAttention(tokens, kinds, 2);
const at = (h: number, q: number, k: number) => attention[(h * tokens.length + q) * tokens.length + k]!;

const meta = {
  title: "Attention/AttentionHeads",
  component: AttentionHeads,
  args: { tokens, attention, headLabels: ["0.0", "0.1", "0.2", "1.0", "1.1", "1.2"], headsPerRow: 3, headSize: 120 },
} satisfies Meta<typeof AttentionHeads>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Synthetic: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const items = within(c.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    const status = c.getByRole("status");
    // No head focused: the strip shows the mean over heads.
    await userEvent.hover(items[16]!);
    await waitFor(() => expect(status.textContent).toContain("Mean over heads"));
    // Lock head 1.0 (induction) with the keyboard, then hover a second-copy token.
    const heads = c.getAllByRole("option", { name: /^Head / });
    heads[0]!.focus();
    await userEvent.keyboard("{ArrowDown}");
    await expect(document.activeElement).toBe(heads[3]);
    await userEvent.keyboard("{Enter}");
    await expect(heads[3]!.getAttribute("aria-selected")).toBe("true");
    await userEvent.unhover(heads[3]!);
    await userEvent.hover(items[20]!);
    let best = 0;
    for (let k = 0; k <= 20; k++) if (at(3, 20, k) > at(3, 20, best)) best = k;
    await expect(tokens[best - 1]).toBe(tokens[20]);
    await waitFor(() =>
      expect(status.textContent).toMatch(new RegExp(`Head 1\\.0: .*\\(20\\) attends most to [^,]*\\(${best}\\)`)),
    );
    // Click locks the token; Escape releases it.
    await userEvent.click(items[20]!);
    await userEvent.hover(items[2]!);
    await expect(status.textContent).toContain("(20)");
    await userEvent.keyboard("{Escape}");
    await waitFor(() => expect(status.textContent).not.toContain("locked, Escape"));
  },
};

export const Dark: Story = { args: { theme: "dark", colorScale: "cividis" } };

function RealModel({ fixture }: { fixture: AttnFixture | null }) {
  if (!fixture) return <FixtureMissing />;
  const T = fixture.str_tokens.length;
  const all = stackLayers([fixture.attention["0"], fixture.attention["1"]], T);
  return (
    <AttentionHeads
      tokens={fixture.str_tokens}
      attention={all.attention}
      headLabels={all.headLabels}
      headsPerRow={12}
      headSize={72}
      title="attn_only_2L_half · repeated random tokens · every head"
    />
  );
}

/** Every head of both layers on the repeated sequence: 1.4 and 1.10 show the induction stripe. */
export const RealModelAllHeads: Story = {
  loaders: [async () => ({ fixture: await loadRepeated() })],
  render: (_a, { loaded }) => <RealModel fixture={loaded.fixture as AttnFixture | null} />,
  play: async ({ canvasElement, loaded }) => {
    if (!loaded.fixture) return;
    const c = within(canvasElement);
    await expect(c.getAllByRole("option", { name: /^Head / })).toHaveLength(24);
    // One row per layer: all twelve heads of a layer side by side, never 11 + 1.
    const tops = c.getAllByRole("option", { name: /^Head / }).map((o) => Math.round(o.getBoundingClientRect().top));
    await expect(new Set(tops.slice(0, 12)).size).toBe(1);
    await expect(new Set(tops.slice(12)).size).toBe(1);
    await expect(tops[12]).toBeGreaterThan(tops[0]!);
    await userEvent.click(c.getByRole("option", { name: "Head 1.10" }));
    const items = within(c.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    await userEvent.hover(items[80]!);
    await waitFor(() =>
      expect(c.getByRole("status").textContent).toMatch(/Head 1\.10: .*\(80\) attends most to [^,]*\(31\)/),
    );
  },
};
