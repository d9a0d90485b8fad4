/**
 * Export of a component's current view. Each component describes its view as a Figure (a size
 * and a draw function over a Painter); these helpers turn a Figure into a PNG or SVG.
 */
import { canvasPainter, SvgPainter, type Painter } from "./painter.js";

/** A view that can be drawn to canvas or SVG. */
export interface Figure {
  width: number;
  height: number;
  background: string;
  draw(p: Painter): void;
}

/** Draw a figure on a fresh canvas at `pixelRatio` (2 = crisp on high-DPI screens). */
export function figureToCanvas(fig: Figure, pixelRatio = 2): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(fig.width * pixelRatio);
  canvas.height = Math.ceil(fig.height * pixelRatio);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("Canvas 2-D context is not available");
  ctx.scale(pixelRatio, pixelRatio);
  ctx.fillStyle = fig.background;
  ctx.fillRect(0, 0, fig.width, fig.height);
  fig.draw(canvasPainter(ctx));
  return canvas;
}

/** The figure as a standalone SVG document (heatmaps embedded as PNG images). */
export function figureToSVG(fig: Figure): string {
  const p = new SvgPainter();
  fig.draw(p);
  return p.toString(fig.width, fig.height, fig.background);
}

/** The figure as a PNG Blob. */
export function figureToPNG(fig: Figure, pixelRatio = 2): Promise<Blob> {
  const canvas = figureToCanvas(fig, pixelRatio);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG encoding failed"))), "image/png"),
  );
}

/** Offer a Blob as a file download. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Download the figure as `<name>.png` or `<name>.svg`. */
export async function downloadFigure(fig: Figure, format: "png" | "svg", name: string): Promise<void> {
  const blob = format === "png" ? await figureToPNG(fig) : new Blob([figureToSVG(fig)], { type: "image/svg+xml" });
  downloadBlob(blob, `${name}.${format}`);
}
