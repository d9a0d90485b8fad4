import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, fireEvent, userEvent, waitFor, within } from "storybook/test";
import { attentionPatternFigure, figureToPNG, figureToSVG } from "../lib/figures.js";
import { FixtureMissing } from "../stories-support/FixtureMissing.js";
import { loadRepeated, loadWeThink, type AttnFixture } from "../stories-support/fixtures.js";
import { syntheticAttention, syntheticTokens } from "../stories-support/synthetic.js";
import { AttentionPattern } from "./AttentionPattern.js";

const tokens = syntheticTokens(11, 4);
const pattern = syntheticAttention(tokens, ["previous"], 3);

const meta = {
  title: "Attention/AttentionPattern",
  component: AttentionPattern,
  args: { tokens, attention: pattern, title: "Previous-token head (synthetic)" },
} satisfies Meta<typeof AttentionPattern>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Synthetic: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const app = c.getByRole("application");
    app.focus();
    // Keyboard: three down, two right → cell (3, 2), which a previous-token head fills.
    await userEvent.keyboard("{ArrowDown}{ArrowDown}{ArrowDown}{ArrowRight}{ArrowRight}");
    const v = pattern[3 * tokens.length + 2]!;
    await expect(v).toBeGreaterThan(0.5);
    await waitFor(() => expect(c.getByRole("status").textContent).toContain(`(3) → `));
    await expect(c.getByRole("status").textContent).toContain(`(2): ${v.toFixed(3)}`);
    await expect(c.getByRole("tooltip").textContent).toContain(v.toFixed(3));
    // Click locks, Escape unlocks.
    // A point in the heatmap's last row: the colour bar with its "Attention" title takes the right ~72 px.
    const r = app.getBoundingClientRect();
    await fireEvent.pointerMove(app, { clientX: r.right - 90, clientY: r.bottom - 10 });
    await fireEvent.click(app, { clientX: r.right - 90, clientY: r.bottom - 10 });
    await waitFor(() => expect(c.getByRole("status").textContent).toContain("locked"));
    await userEvent.keyboard("{Escape}");
    await waitFor(() => expect(c.getByRole("status").textContent).not.toContain("locked"));
  },
};

export const QueryAndKeyTokensDiffer: Story = {
  args: {
    tokens: [],
    queryTokens: [" Paris", " is", " in"],
    keyTokens: ["The", " Eiffel", " Tower", " is", " in", " Paris", "."],
    attention: [
      [0.05, 0.4, 0.4, 0.05, 0.05, 0.0, 0.05],
      [0.1, 0.1, 0.1, 0.5, 0.1, 0.05, 0.05],
      [0.0, 0.6, 0.2, 0.1, 0.05, 0.05, 0.0],
    ],
    title: "Cross-attention: 3 queries × 7 keys",
    colorScale: "blues",
  },
};

export const SignedValuesDiverging: Story = {
  args: {
    tokens: ["<|endoftext|>", " a", " b", " c", " d"],
    attention: [
      [0.9, -0.9, 0.4, -0.2, 0.1],
      [-0.5, 0.5, 0.3, -0.8, 0.0],
      [0.2, 0.1, -0.1, 0.6, -0.6],
      [0.0, 0.7, -0.3, 0.2, 0.9],
      [-0.4, 0.4, 0.8, -0.9, 0.3],
    ],
    minValue: -1,
    maxValue: 1,
    colorScale: "blue-orange",
    maskUpperTriangle: false,
    title: "Signed scores, blue–orange scale",
    theme: "dark",
  },
};

function RealHead({
  fixture,
  layer,
  head,
  title,
}: {
  fixture: AttnFixture | null;
  layer: "0" | "1";
  head: number;
  title: string;
}) {
  if (!fixture) return <FixtureMissing />;
  return (
    <AttentionPattern
      tokens={fixture.str_tokens}
      attention={fixture.attention[layer][head]!}
      title={title}
      size={560}
    />
  );
}

/** Head 0.7 of attn_only_2L_half on “We think…”: the previous-token stripe below the diagonal. */
export const RealModelHead0_7: Story = {
  loaders: [async () => ({ fixture: await loadWeThink() })],
  render: (_a, { loaded }) => (
    <RealHead
      fixture={loaded.fixture as AttnFixture | null}
      layer="0"
      head={7}
      title="attn_only_2L_half · head 0.7 (previous token)"
    />
  ),
};

/** Head 1.4 on the repeated sequence: the induction stripe 49 positions below the diagonal. */
export const RealModelHead1_4: Story = {
  loaders: [async () => ({ fixture: await loadRepeated() })],
  render: (_a, { loaded }) => (
    <RealHead
      fixture={loaded.fixture as AttnFixture | null}
      layer="1"
      head={4}
      title="attn_only_2L_half · head 1.4 (induction)"
    />
  ),
  play: async ({ canvasElement, loaded }) => {
    const fixture = loaded.fixture as AttnFixture | null;
    if (!fixture) return;
    // Independent check of the stripe from the raw fixture: most of the second half attends to i - 49.
    const A = fixture.attention["1"][4]!;
    let hits = 0;
    for (let i = 52; i < 101; i++) if (A[i]!.indexOf(Math.max(...A[i]!)) === i - 49) hits++;
    await expect(hits).toBeGreaterThan(40);
    await expect(within(canvasElement).getByRole("application")).toBeTruthy();
  },
};

/** PNG and SVG export, through the buttons and the exported functions. */
export const Export: Story = {
  args: {
    tokens: ["<|endoftext|>", "<img src=x onerror=alert(1)>", " b", " c"],
    attention: [
      [1, 0, 0, 0],
      [0.5, 0.5, 0, 0],
      [0.2, 0.7, 0.1, 0],
      [0.1, 0.1, 0.6, 0.2],
    ],
    title: "Export me",
  },
  play: async ({ canvasElement, args }) => {
    const fig = attentionPatternFigure({ tokens: args.tokens, attention: args.attention, title: "Export me" });
    const svg = figureToSVG(fig);
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    await expect(doc.querySelector("parsererror")).toBeNull();
    await expect(doc.querySelectorAll("image")).toHaveLength(1);
    await expect(doc.querySelector("img")).toBeNull();
    await expect([...doc.querySelectorAll("text")].some((t) => t.textContent?.includes("<img"))).toBe(true);
    const png = await figureToPNG(fig, 2);
    await expect(png.type).toBe("image/png");
    const bitmap = await createImageBitmap(png);
    await expect([bitmap.width, bitmap.height]).toEqual([Math.ceil(fig.width * 2), Math.ceil(fig.height * 2)]);

    // The buttons download files named after the component.
    const downloads: string[] = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      downloads.push(this.download);
    };
    try {
      const c = within(canvasElement);
      await userEvent.click(c.getByRole("button", { name: "Download view as SVG" }));
      await userEvent.click(c.getByRole("button", { name: "Download view as PNG" }));
      // PNG encoding is asynchronous and slow on a busy machine.
      await waitFor(() => expect(downloads.sort()).toEqual(["attention-pattern.png", "attention-pattern.svg"]), {
        timeout: 15_000,
      });
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
  },
};
