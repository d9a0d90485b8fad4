import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, fireEvent, fn, waitFor, within } from "storybook/test";
import { FixtureMissing } from "../stories-support/FixtureMissing.js";
import {
  loadLogitAttribution,
  MISSING_TINY_MESSAGE,
  type LogitAttributionFixture,
} from "../stories-support/fixtures.js";
import { repeatedRandomTokens, rng } from "../stories-support/synthetic.js";
import { LogitAttribution } from "./LogitAttribution.js";

// A repeated random sequence: in the second copy the induction heads 1.4 and 1.10 carry the correct logit.
const tokens = repeatedRandomTokens(12, 3);
const labels = [
  "direct",
  ...Array.from({ length: 12 }, (_, h) => `0.${h}`),
  ...Array.from({ length: 12 }, (_, h) => `1.${h}`),
];
const r = rng(11);
const attribution = Array.from({ length: tokens.length - 1 }, (_, t) =>
  labels.map((l) => {
    const second = t >= 13;
    if (second && (l === "1.4" || l === "1.10")) return 4 + r();
    return (r() - 0.5) * (l === "direct" ? 2 : 0.6);
  }),
);

const meta = {
  title: "Circuits/LogitAttribution",
  component: LogitAttribution,
  args: {
    tokens,
    attribution,
    labels,
    title: "Logit attribution (synthetic repeated sequence)",
    onSelectComponent: fn(),
  },
} satisfies Meta<typeof LogitAttribution>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Synthetic: Story = {
  play: async ({ canvasElement, args }) => {
    const c = within(canvasElement);
    const app = c.getByRole("application");
    app.focus();
    // Down to position 14 (second copy), right to component 1.4 (column 17).
    await fireEvent.keyDown(app, { key: "ArrowDown" });
    for (let i = 0; i < 13; i++) await fireEvent.keyDown(app, { key: "ArrowDown" });
    for (let i = 0; i < 17; i++) await fireEvent.keyDown(app, { key: "ArrowRight" });
    await waitFor(() => expect(c.getByRole("status").textContent).toMatch(/^1\.4 at position 14 /));
    await expect(c.getByRole("status").textContent).toContain(`: ${attribution[14]![17]!.toFixed(3)}`);
    await expect(c.getByRole("tooltip").textContent).toContain("1.4 at position 14");
    await fireEvent.keyDown(app, { key: "Enter" });
    await expect(args.onSelectComponent).toHaveBeenLastCalledWith(17);
  },
};

export const CircuitsVisColours: Story = {
  args: { negativeColor: "crimson", positiveColor: "#1e88e5", theme: "dark" },
};

function Real({ fixture, title }: { fixture: LogitAttributionFixture | null; title: string }) {
  if (!fixture) return <FixtureMissing message={MISSING_TINY_MESSAGE} />;
  const C = fixture.labels.length;
  return (
    <LogitAttribution
      tokens={fixture.tokens}
      attribution={{ data: fixture.attribution, shape: [fixture.attribution.length / C, C] }}
      labels={fixture.labels}
      correctLogits={fixture.correctLogits}
      title={title}
    />
  );
}

/** TransformerLens's logit attribution on the repeated sequence: layer-1 heads predict the second copy. */
export const RealTinyModelRepeated: Story = {
  loaders: [async () => ({ fixture: await loadLogitAttribution("repeated_random") })],
  render: (_a, { loaded }) => (
    <Real fixture={loaded.fixture as LogitAttributionFixture | null} title="tl-attn2l-tiny · repeated random tokens" />
  ),
  play: async ({ canvasElement, loaded }) => {
    const f = loaded.fixture as LogitAttributionFixture | null;
    if (!f) return void (await expect(within(canvasElement).getByRole("note")).toBeTruthy());
    const C = f.labels.length;
    // Independent check of the fixture: the parts plus the bias add up to the correct logit.
    for (let t = 0; t < f.correctLogits.length; t++) {
      let s = f.biasLogits[t]!;
      for (let k = 0; k < C; k++) s += f.attribution[t * C + k]!;
      await expect(Math.abs(s - f.correctLogits[t]!)).toBeLessThan(1e-3);
    }
    const c = within(canvasElement);
    const app = c.getByRole("application");
    app.focus();
    // Row 60 (second copy) × column of head 1.3.
    for (let i = 0; i < 60; i++) await fireEvent.keyDown(app, { key: "ArrowDown" });
    for (let i = 0; i < 8; i++) await fireEvent.keyDown(app, { key: "ArrowRight" });
    await waitFor(() => expect(c.getByRole("status").textContent).toMatch(/^1\.3 at position 60 /));
    await expect(c.getByRole("status").textContent).toContain(
      `: ${f.attribution[60 * C + 8]!.toFixed(3)} of logit ${f.correctLogits[60]!.toFixed(3)}`,
    );
  },
};

export const RealTinyModelSeedText: Story = {
  loaders: [async () => ({ fixture: await loadLogitAttribution("seed_text") })],
  render: (_a, { loaded }) => (
    <Real fixture={loaded.fixture as LogitAttributionFixture | null} title="tl-attn2l-tiny · seed text" />
  ),
};
