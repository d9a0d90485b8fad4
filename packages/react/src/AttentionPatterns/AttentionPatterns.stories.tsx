import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { stackLayers } from "../lib/attention-data.js";
import { HoverBenchmark } from "../stories-support/Benchmark.js";
import { FixtureMissing } from "../stories-support/FixtureMissing.js";
import { loadRepeated, loadWeThink, type AttnFixture } from "../stories-support/fixtures.js";
import { syntheticAttention, syntheticTokens, toNested } from "../stories-support/synthetic.js";
import { AttentionPatterns } from "./AttentionPatterns.js";
import { renderAttentionPatterns } from "./index.js";

const tokens = syntheticTokens(15, 2, true); // BOS + 15 words + the same 15 again
const kinds = ["previous", "first", "current", "induction"] as const;
const flat = syntheticAttention(tokens, kinds, 5);

const meta = {
  title: "Attention/AttentionPatterns",
  component: AttentionPatterns,
  args: {
    tokens,
    attention: toNested(flat, kinds.length, tokens.length, tokens.length),
    headLabels: ["prev", "first", "current", "induction"],
  },
} satisfies Meta<typeof AttentionPatterns>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Row i of head h, recomputed from the story's own input for independent checks. */
const row = (h: number, q: number) =>
  Array.from(flat.subarray((h * tokens.length + q) * tokens.length, (h * tokens.length + q + 1) * tokens.length));
const argmax = (xs: number[]) => xs.reduce((best, v, i) => (v > xs[best]! ? i : best), 0);

export const Synthetic: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const status = c.getByRole("status");
    const strip = c.getByRole("listbox", { name: "Tokens" });
    const tokenEls = within(strip).getAllByRole("option");
    await expect(tokenEls).toHaveLength(tokens.length);

    // Hover shows where the token attends: head "prev" sends token 20 to token 19.
    await userEvent.hover(tokenEls[20]!);
    const expected = argmax(row(0, 20));
    await expect(expected).toBe(19);
    await waitFor(() => expect(status.textContent).toContain(`attends most to`));
    await expect(status.textContent).toContain(`(${expected})`);
    await expect(tokenEls[19]!.style.background).not.toBe("transparent");

    // Click locks: moving away keeps token 20 active.
    await userEvent.click(tokenEls[20]!);
    await userEvent.hover(tokenEls[3]!);
    await expect(status.textContent).toContain("(20)");
    await expect(status.textContent).toContain("locked");
    // Escape unlocks.
    await userEvent.keyboard("{Escape}");
    await waitFor(() => expect(status.textContent).not.toContain("locked"));

    // Keyboard in the token strip: arrows move the active token, Enter locks it.
    await userEvent.unhover(strip);
    await waitFor(() => expect(status.textContent).toContain("Hover a token"));
    strip.focus();
    await userEvent.keyboard("{ArrowRight}{ArrowRight}{ArrowRight}");
    await waitFor(() => expect(status.textContent).toMatch(/\(2\) attends most to/));
    await expect(strip.getAttribute("aria-activedescendant")).toBe(tokenEls[2]!.id);
    await userEvent.keyboard("{Enter}");
    await expect(status.textContent).toContain("locked");
    await userEvent.keyboard("{Escape}");
    await waitFor(() => expect(status.textContent).not.toContain("locked"));
    await userEvent.unhover(strip);

    // Keyboard: arrows move across heads, Enter locks.
    const heads = c.getAllByRole("option", { name: /^Head / });
    heads[0]!.focus();
    await userEvent.keyboard("{ArrowRight}{ArrowRight}{ArrowRight}");
    await expect(document.activeElement?.getAttribute("aria-label")).toBe("Head induction");
    await userEvent.keyboard("{Enter}");
    await expect(heads[3]!.getAttribute("aria-selected")).toBe("true");
    // The induction head sends the second copy's token to the token after its first occurrence.
    await userEvent.hover(tokenEls[20]!);
    const ind = argmax(row(3, 20));
    await expect(tokens[ind - 1]).toBe(tokens[20]);
    await waitFor(() => expect(status.textContent).toContain(`(${ind})`));
  },
};

export const SourceDirection: Story = {
  args: { initialDirection: "source", initialHead: 0 },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const tokenEls = within(c.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    await userEvent.hover(tokenEls[5]!);
    // In a previous-token head, token 5 is attended to by token 6.
    await waitFor(() => expect(c.getByRole("status").textContent).toContain("is attended most by"));
    await expect(c.getByRole("status").textContent).toContain("(6)");
  },
};

export const FlatTypedArray: Story = {
  args: { attention: flat, theme: "dark", colorScale: "cividis" },
};

export const DifferentQueryAndKeyTokens: Story = {
  args: (() => {
    const q = ["<|endoftext|>", " Paris", " is", " in"];
    const k = ["<|endoftext|>", "The", " Eiffel", " Tower", " is", " in", " Paris", "."];
    const att = q.map((_, i) => k.map((_, j) => (j === 0 ? 0.2 : (0.8 * (((i * 7 + j * 3) % 5) + 1)) / 21)));
    return {
      tokens: q,
      queryTokens: q,
      keyTokens: k,
      attention: [att, att.map((r) => [...r].reverse())],
      headLabels: ["0", "1"],
    };
  })(),
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole("listbox", { name: "Destination tokens" })).toBeTruthy();
    await expect(c.getByRole("listbox", { name: "Source tokens" })).toBeTruthy();
  },
};

export const HostileTokens: Story = {
  args: (() => {
    const t = ["<|endoftext|>", "<img src=x onerror=alert(1)>", "<script>", "&amp;", "\n", " "];
    return { tokens: t, attention: syntheticAttention(t, ["previous"], 1), headLabels: undefined };
  })(),
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelector("img")).toBeNull();
    await expect(canvasElement.querySelector("script")).toBeNull();
    // The strip shows the tokens as the text they are: markup as characters, the newline as ↵ and a line break.
    const strip = within(canvasElement).getByRole("listbox", { name: "Tokens" });
    await expect(strip.textContent).toBe("<|endoftext|><img src=x onerror=alert(1)><script>&amp;↵\n ");
  },
};

function RealModel({
  fixture,
  initialHead,
  title,
}: {
  fixture: AttnFixture | null;
  initialHead: number;
  title: string;
}) {
  if (!fixture) return <FixtureMissing />;
  const T = fixture.str_tokens.length;
  const all = stackLayers([fixture.attention["0"], fixture.attention["1"]], T);
  return (
    <AttentionPatterns
      tokens={fixture.str_tokens}
      attention={all.attention}
      headLabels={all.headLabels}
      headsPerRow={all.headsPerLayer}
      initialHead={initialHead}
      thumbnailSize={52}
      size={420}
      title={title}
    />
  );
}

/** attn_only_2L_half on ARENA's "We think…" prompt, both layers; head 0.7 is the previous-token head. */
export const RealModelPreviousTokenHead: Story = {
  loaders: [async () => ({ fixture: await loadWeThink() })],
  render: (_args, { loaded }) => (
    <RealModel
      fixture={loaded.fixture as AttnFixture | null}
      initialHead={7}
      title="attn_only_2L_half · “We think…” · all layers"
    />
  ),
  play: async ({ canvasElement, loaded }) => {
    const fixture = loaded.fixture as AttnFixture | null;
    if (!fixture) return void (await expect(within(canvasElement).getByRole("note")).toBeTruthy());
    const c = within(canvasElement);
    await expect(c.getByRole("option", { name: "Head 0.7" }).getAttribute("aria-selected")).toBe("true");
    const tokenEls = within(c.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    await userEvent.hover(tokenEls[10]!);
    // Head 0.7 attends from each token to the one before it (from the fixture, independently).
    const r = fixture.attention["0"][7]![10]!;
    await expect(argmax(r)).toBe(9);
    await waitFor(() =>
      expect(c.getByRole("status").textContent).toMatch(/Head 0\.7: .*\(10\) attends most to .*\(9\)/),
    );
  },
};

/** The repeated random sequence: heads 1.4 and 1.10 attend to the token after the earlier copy. */
export const RealModelInductionHeads: Story = {
  loaders: [async () => ({ fixture: await loadRepeated() })],
  render: (_args, { loaded }) => (
    <RealModel
      fixture={loaded.fixture as AttnFixture | null}
      initialHead={16}
      title="attn_only_2L_half · repeated random tokens · all layers"
    />
  ),
  play: async ({ canvasElement, loaded }) => {
    const fixture = loaded.fixture as AttnFixture | null;
    if (!fixture) return void (await expect(within(canvasElement).getByRole("note")).toBeTruthy());
    const c = within(canvasElement);
    await expect(c.getByRole("option", { name: "Head 1.4" }).getAttribute("aria-selected")).toBe("true");
    const tokenEls = within(c.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    // Token 70 is the second copy of token 20, so an induction head attends to 21.
    await expect(fixture.str_tokens[70]).toBe(fixture.str_tokens[20]);
    await userEvent.hover(tokenEls[70]!);
    await waitFor(() =>
      expect(c.getByRole("status").textContent).toMatch(/Head 1\.4: .*\(70\) attends most to [^,]*\(21\)/),
    );
    // Preview head 1.10 by keyboard from 1.4.
    c.getByRole("option", { name: "Head 1.4" }).focus();
    await userEvent.keyboard("{ArrowRight}".repeat(6));
    await expect(document.activeElement?.getAttribute("aria-label")).toBe("Head 1.10");
    // One layer at a time: layer 1 hides layer 0's thumbnails.
    await userEvent.click(c.getByRole("button", { name: "Layer 1" }));
    await expect(c.queryByRole("option", { name: "Head 0.7" })).toBeNull();
    await expect(c.getAllByRole("option", { name: /^Head 1\./ })).toHaveLength(12);
    await userEvent.click(c.getByRole("button", { name: "All layers" }));
    await expect(c.getAllByRole("option", { name: /^Head / })).toHaveLength(24);
  },
};

/** 2,048 tokens × 12 heads; the button measures hover frame times in this browser. */
export const LongSequenceBenchmark: Story = {
  render: () => <HoverBenchmark />,
  parameters: { layout: "fullscreen" },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole("button", { name: /Measure hover/ }));
    const out = c.getByLabelText("Benchmark results");
    await waitFor(() => expect(out.textContent).toContain("Head thumbnail hover"), { timeout: 60_000 });
    // The sweep really switched heads: it ends on the last thumbnail.
    const view = c.getByRole("group", { name: "2048 tokens × 12 heads" });
    await expect(within(view).getByRole("status").textContent).toContain("Head 11");
  },
};

/** The same component mounted with `renderAttentionPatterns(element, props)`, as a plain page would. */
export const PlainDomMount: Story = {
  render: () => <div data-testid="host" />,
  play: async ({ canvasElement }) => {
    const host = within(canvasElement).getByTestId("host");
    const view = renderAttentionPatterns(host, {
      tokens,
      attention: flat,
      headLabels: ["a", "b", "c", "d"],
      title: "Mounted without JSX",
    });
    await waitFor(() => expect(host.textContent).toContain("Mounted without JSX"));
    view.update({ tokens, attention: flat, headLabels: ["a", "b", "c", "d"], title: "Updated", theme: "dark" });
    await waitFor(() => expect(host.textContent).toContain("Updated"));
    await expect(host.querySelector('[data-theme="dark"]')).not.toBeNull();
  },
};
