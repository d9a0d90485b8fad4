/** Coloured tokens as a Figure, so every token view exports the PNG/SVG it shows. */
import type { Figure } from "./export.js";
import type { Theme } from "./theme.js";
import { layoutTokens, paintTokens } from "./token-layout.js";
import type { ValueColors } from "./value-colors.js";

/** Tokens as running text wrapped at `width` px on their backgrounds, under an optional title and caption. */
export function tokensFigure(o: {
  tokens: readonly string[];
  colors: ValueColors;
  theme: Theme;
  title?: string;
  caption?: string;
  width?: number;
}): Figure {
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
      paintTokens(p, { tokens, layout, theme, backgrounds: colors.bg, foregrounds: colors.fg, x0: 8, y0: top });
    },
  };
}
