import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, within } from "storybook/test";
import { neuronActivations, SENTENCES, topkOf } from "../stories-support/neurons.js";
import { TopkTokens } from "./TopkTokens.js";

const acts = neuronActivations(SENTENCES, 2, 12);
const k = topkOf(acts, 3);

const meta = {
  title: "Neurons/TopkTokens",
  component: TopkTokens,
  args: {
    tokens: SENTENCES,
    ...k,
    sampleLabels: ["cat", "model", "park"],
    title: "Top and bottom tokens per neuron (synthetic)",
  },
} satisfies Meta<typeof TopkTokens>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Synthetic: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    // 5 neuron columns, 3 top + 1 gap + 3 bottom rows.
    await expect(c.getAllByRole("columnheader").filter((h) => h.textContent?.startsWith("Neuron"))).toHaveLength(5);
    // Neuron 0 (the " the" detector) has " the" as its top token in the first sentence.
    await expect(c.getByLabelText(/^Neuron 0, top 1: /).textContent).toBe("\u00a0the");
    await userEvent.selectOptions(c.getByLabelText("Show"), "topk");
    await expect(c.queryByLabelText(/^Neuron 0, bottom 1: /)).toBeNull();
    await userEvent.selectOptions(c.getByLabelText("k"), "1");
    await expect(c.queryByLabelText(/^Neuron 0, top 2: /)).toBeNull();
    await userEvent.selectOptions(c.getByLabelText("Neurons"), "10");
    await expect(c.getByLabelText(/^Neuron 11, top 1: /)).toBeTruthy();
  },
};

export const Dark: Story = { args: { theme: "dark", firstDimensionName: "Block", columnsToShow: 8 } };
