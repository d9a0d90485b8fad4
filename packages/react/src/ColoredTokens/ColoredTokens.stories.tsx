import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { FixtureMissing } from "../stories-support/FixtureMissing.js";
import { loadRepeated, type AttnFixture } from "../stories-support/fixtures.js";
import { rng, syntheticTokens } from "../stories-support/synthetic.js";
import { ColoredTokens } from "./ColoredTokens.js";

const tokens = [
  "<|endoftext|>",
  "The",
  " movie",
  " was",
  " not",
  " good",
  ",",
  " but",
  " the",
  " acting",
  " was",
  " brilliant",
  ".",
];
const signed = [0, 0.05, 0.1, 0, -0.6, 0.7, 0, -0.1, 0, 0.3, 0, 0.95, 0];

const meta = {
  title: "Tokens/ColoredTokens",
  component: ColoredTokens,
  args: {
    tokens,
    values: signed,
    valueLabel: "logit attribution",
    title: "Signed values (blue negative, orange positive)",
  },
} satisfies Meta<typeof ColoredTokens>;
export default meta;
type Story = StoryObj<typeof meta>;

export const SignedValues: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const items = within(c.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    // Negative and positive values get different hues (blue vs orange).
    await expect(items[4]!.style.background).toContain("33, 102, 172");
    await expect(items[11]!.style.background).toContain("230, 126, 34");
    await userEvent.hover(items[11]!);
    await waitFor(() => expect(c.getByRole("status").textContent).toContain("logit attribution: 0.950"));
    await expect(items[11]!.getAttribute("title")).toContain("0.950");
  },
};

const byteText = "We think, therefore we are.\tCaf\u00e9\u0007\nNext line";
/**
 * Byte-level tokens (one character each) read as text: no spacing added between tokens, token
 * boundaries by a faint alternating shade, the tab, bell and newline escaped.
 */
export const ByteTokens: Story = {
  args: (() => {
    const t = [...byteText];
    return { tokens: t, values: t.map((ch) => (ch === "e" ? 0.8 : 0)), valueLabel: "value", title: "Byte tokens" };
  })(),
  play: async ({ canvasElement }) => {
    const strip = within(canvasElement).getByRole("listbox", { name: "Tokens" });
    await expect(strip.textContent).toBe("We think, therefore we are.⇥Café␇↵\nNext line");
    const items = within(strip).getAllByRole("option");
    const rects = items.map((el) => el.getBoundingClientRect());
    // Tokens on the first line touch: each starts where the one before ends (to sub-pixel rounding).
    for (let i = 1; i < 12; i++) await expect(Math.abs(rects[i]!.left - rects[i - 1]!.right)).toBeLessThan(0.5);
    // A space token is as wide as a space in the text around it, far narrower than a letter box with padding.
    const space = rects[2]!.width;
    await expect(space).toBeGreaterThan(1);
    await expect(space).toBeLessThan(rects[0]!.width);
    // The newline ends the line: "Next" starts a new one at the left edge.
    const next = items[byteText.indexOf("N")]!.getBoundingClientRect();
    await expect(next.top).toBeGreaterThan(rects[0]!.top + 10);
    await expect(Math.abs(next.left - rects[0]!.left)).toBeLessThan(1);
    // Hover still reads a token.
    await userEvent.hover(items[1]!);
    await waitFor(() => expect(within(canvasElement).getByRole("status").textContent).toContain("e (1) value: 0.800"));
  },
};

/** The same text over the canvas threshold: the canvas strip lays it out the same way. */
export const ByteTokensCanvas: Story = {
  args: (() => {
    const t = [...byteText];
    return {
      tokens: t,
      values: t.map((ch) => (ch === "e" ? 0.8 : 0)),
      valueLabel: "value",
      title: "Byte tokens (canvas)",
      canvasTokenThreshold: 4,
    };
  })(),
  play: async ({ canvasElement }) => {
    const strip = canvasElement.querySelector<HTMLElement>('[data-canvas-strip="true"]')!;
    await expect(strip).not.toBeNull();
    // Two lines (the newline breaks it), 22 px each.
    await expect(strip.getBoundingClientRect().height).toBe(44);
  },
};

export const UnsignedDark: Story = {
  args: { values: signed.map(Math.abs), theme: "dark", title: "Magnitudes, dark theme" },
};

export const NamedScale: Story = {
  args: { values: signed.map(Math.abs), colorScale: "viridis", title: "Viridis backgrounds" },
};

/** 2,048 tokens: drawn on a canvas, only the visible lines. */
export const LongSequence: Story = {
  args: (() => {
    const t = syntheticTokens(2047, 5);
    const r = rng(3);
    return { tokens: t, values: t.map(() => r() * 2 - 1), title: "2,048 tokens (canvas)" };
  })(),
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelector('[data-canvas-strip="true"]')).not.toBeNull();
    await expect(canvasElement.querySelectorAll("[data-token-index]")).toHaveLength(0);
  },
};

function RealModel({ fixture }: { fixture: AttnFixture | null }) {
  if (!fixture) return <FixtureMissing />;
  // Attention head 1.4 pays from each token to the token right after its previous occurrence.
  const A = fixture.attention["1"][4]!;
  const values = fixture.str_tokens.map((_, i) => (i > 50 ? A[i]![i - 49]! : 0));
  return (
    <ColoredTokens
      tokens={fixture.str_tokens}
      values={values}
      maxValue={1}
      valueLabel="attention to the token after the earlier copy"
      title="attn_only_2L_half · head 1.4 on repeated tokens"
    />
  );
}

export const RealModelInductionAttention: Story = {
  loaders: [async () => ({ fixture: await loadRepeated() })],
  render: (_a, { loaded }) => <RealModel fixture={loaded.fixture as AttnFixture | null} />,
};
