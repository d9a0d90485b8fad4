import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { SENTENCES, toyLogProbs } from "../stories-support/neurons.js";
import { TokenLogProbs } from "./TokenLogProbs.js";

const data = toyLogProbs(SENTENCES[0]!);

const meta = {
  title: "Logits/TokenLogProbs",
  component: TokenLogProbs,
  args: { ...data, title: "How well each token was predicted (toy model)" },
} satisfies Meta<typeof TokenLogProbs>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Toy: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const items = within(c.getByRole("listbox", { name: "Predicted tokens" })).getAllByRole("option");
    // BOS is context only: one item per later token.
    await expect(items).toHaveLength(data.prompt.length - 1);
    await userEvent.hover(items[4]!);
    const table = await waitFor(() => c.getByRole("region", { name: "Top predictions" }));
    const rows = within(table).getAllByRole("row");
    // Header, the true token, then the top k.
    await expect(rows).toHaveLength(2 + data.topKTokens[4]!.length);
    await expect(rows[1]!.textContent).toContain(`#${data.correctTokenRank[4]}`);
    await expect(rows[2]!.textContent).toContain(data.topKLogProbs[4]![0]!.toFixed(3));
    await expect(c.getByRole("status").textContent).toContain(`(5): rank ${data.correctTokenRank[4]}, `);
  },
};

export const Dark: Story = { args: { theme: "dark", logProbFloor: -3 } };
