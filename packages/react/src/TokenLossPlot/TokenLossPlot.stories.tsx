import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { rng, syntheticTokens } from "../stories-support/synthetic.js";
import { TokenLossPlot } from "./TokenLossPlot.js";

// BOS + 50 random tokens twice, with the loss shape of a model that has induction heads:
// ~ln(50278) ≈ 10.8 nats on the unpredictable first copy, low on the second.
const tokens = syntheticTokens(50, 12, true);
const r = rng(4);
const loss = tokens.slice(1).map((_, i) => (i < 50 ? 9 + 2.5 * r() : i === 50 ? 6 + r() : 0.3 + 1.6 * r() ** 2));

const meta = {
  title: "Loss/TokenLossPlot",
  component: TokenLossPlot,
  args: { tokens, loss, title: "Per-token loss on a repeated random sequence" },
} satisfies Meta<typeof TokenLossPlot>;
export default meta;
type Story = StoryObj<typeof meta>;

export const RepeatedTokens: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByText(/second copy from position 51/)).toBeTruthy();
    c.getByRole("application").focus();
    await userEvent.keyboard("{ArrowRight}".repeat(60));
    // Position 60 is predicted by loss[59].
    await waitFor(() =>
      expect(c.getByRole("status").textContent).toContain(`(60): loss ${loss[59]!.toFixed(3)} · second half`),
    );
  },
};

export const DarkWide: Story = { args: { theme: "dark", width: 900, height: 260 } };

export const PlainSequence: Story = {
  args: (() => {
    const t = syntheticTokens(300, 8);
    const rr = rng(9);
    return {
      tokens: t,
      loss: t.slice(1).map((_, i) => 2 + 6 * Math.exp(-i / 40) + rr() * 2),
      title: "A 300-token text (no repeat)",
    };
  })(),
};
