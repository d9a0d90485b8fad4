import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { SENTENCES, toyLogProbs } from "../stories-support/neurons.js";
import { ColoredTokensMulti } from "./ColoredTokensMulti.js";

// CircuitsVis's logit / log-prob / prob triple of each predicted token.
const d = toyLogProbs(SENTENCES[1]!);
const values = d.correctTokenLogProb.map((lp) => [+(lp + 3).toFixed(4), lp, +Math.exp(lp).toFixed(4)]);

const meta = {
  title: "Tokens/ColoredTokensMulti",
  component: ColoredTokensMulti,
  args: {
    tokens: d.prompt.slice(1),
    values,
    labels: ["logits", "log_probs", "probs"],
    title: "Three views of each prediction (toy model)",
  },
} satisfies Meta<typeof ColoredTokensMulti>;
export default meta;
type Story = StoryObj<typeof meta>;

export const LogitsLogProbsProbs: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const items = within(c.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    const before = items[3]!.style.background;
    await userEvent.click(c.getByRole("button", { name: "probs" }));
    await expect(c.getByRole("button", { name: "probs" }).getAttribute("aria-pressed")).toBe("true");
    // Probabilities are all positive, log-probs negative: the colours change hue.
    await waitFor(() => expect(items[3]!.style.background).not.toBe(before));
    await userEvent.hover(items[3]!);
    await waitFor(() => expect(c.getByRole("status").textContent).toContain(`probs ${values[3]![2]!.toFixed(3)}`));
    await expect(c.getByRole("status").textContent).toContain(`log_probs ${values[3]![1]!.toFixed(3)}`);
    // The PNG/SVG buttons save the series shown.
    const downloads: string[] = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      downloads.push(this.download);
    };
    try {
      await userEvent.click(c.getByRole("button", { name: "Download view as SVG" }));
      await userEvent.click(c.getByRole("button", { name: "Download view as PNG" }));
      // PNG encoding is asynchronous and slow on a busy machine.
      await waitFor(() => expect(downloads.sort()).toEqual(["colored-tokens-multi.png", "colored-tokens-multi.svg"]), {
        timeout: 15_000,
      });
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
  },
};

export const CustomColoursDark: Story = {
  args: { theme: "dark", negativeColor: "#d81b60", positiveColor: "#1e88e5", initialSeries: 1 },
};
