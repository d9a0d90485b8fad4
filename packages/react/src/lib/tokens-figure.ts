/** Coloured tokens as a Figure, so every token view exports the PNG/SVG it shows. */
import type { Figure } from "./export.js";
import { displayToken } from "./format-token.js";
import type { Theme } from "./theme.js";
import { layoutTokens, TOKEN_FONT_SIZE, TOKEN_PAD } from "./token-layout.js";
import type { ValueColors } from "./value-colors.js";

/** Tokens wrapped at `width` px on their backgrounds, under an optional title and caption. */
export function tokensFigure(o: { tokens: readonly string[]; colors: ValueColors; theme: Theme; title?: string; caption?: string; width?: number }): Figure {
  const { tokens, colors, theme } = o;
  const width = o.width ?? 720;
  const layout = layoutTokens(tokens, width - 16, theme.font);
  const top = (o.title ? 28 : 8) + (o.caption ? 16 : 0);
  return {
    width,
    height: top + layout.lines * layout.lineHeight + 8,
    background: theme.background,
    draw(p) {
      if (o.title) p.text(8, 18, o.title, { fill: theme.text, size: 13, weight: "bold" });
      if (o.caption) p.text(8, top - 6, o.caption, { fill: theme.muted, size: 10 });
      layout.boxes.forEach((b, i) => {
        if (colors.bg[i]) p.rect(8 + b.x, top + b.y + 1, b.w, layout.lineHeight - 2, colors.bg[i]!);
        p.text(8 + b.x + TOKEN_PAD, top + b.y + layout.lineHeight / 2, displayToken(tokens[i]!), {
          fill: colors.fg[i] ?? theme.text, size: TOKEN_FONT_SIZE, baseline: "middle", font: theme.font,
        });
      });
    },
  };
}
