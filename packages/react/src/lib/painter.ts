/**
 * A tiny drawing interface with two back ends, a 2-D canvas and an SVG string, so a figure is
 * described once and both shown on screen and exported to PNG or SVG.
 */

export interface TextStyle {
  fill: string;
  size?: number;
  anchor?: "start" | "middle" | "end";
  baseline?: "top" | "middle" | "alphabetic" | "bottom";
  /** Rotation in degrees around (x, y). */
  rotate?: number;
  weight?: "normal" | "bold";
  font?: string;
}

export interface Painter {
  rect(x: number, y: number, w: number, h: number, fill: string | null, stroke?: string, strokeWidth?: number): void;
  line(points: ReadonlyArray<readonly [number, number]>, stroke: string, width?: number, dash?: number[]): void;
  text(x: number, y: number, text: string, style: TextStyle): void;
  /** Draw a bitmap (a painted heatmap) scaled into the box, without smoothing. */
  image(source: HTMLCanvasElement, x: number, y: number, w: number, h: number): void;
}

const DEFAULT_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Painter over a canvas 2-D context. */
export function canvasPainter(ctx: CanvasRenderingContext2D): Painter {
  return {
    rect(x, y, w, h, fill, stroke, strokeWidth = 1) {
      if (fill) {
        ctx.fillStyle = fill;
        ctx.fillRect(x, y, w, h);
      }
      if (stroke) {
        ctx.strokeStyle = stroke;
        ctx.lineWidth = strokeWidth;
        ctx.strokeRect(x + strokeWidth / 2, y + strokeWidth / 2, w - strokeWidth, h - strokeWidth);
      }
    },
    line(points, stroke, width = 1, dash = []) {
      if (points.length < 2) return;
      ctx.beginPath();
      ctx.setLineDash(dash);
      ctx.strokeStyle = stroke;
      ctx.lineWidth = width;
      ctx.moveTo(points[0]![0], points[0]![1]);
      for (let i = 1; i < points.length; i++) ctx.lineTo(points[i]![0], points[i]![1]);
      ctx.stroke();
      ctx.setLineDash([]);
    },
    text(x, y, text, s) {
      ctx.save();
      ctx.translate(x, y);
      if (s.rotate) ctx.rotate((s.rotate * Math.PI) / 180);
      ctx.fillStyle = s.fill;
      ctx.font = `${s.weight ?? "normal"} ${s.size ?? 11}px ${s.font ?? DEFAULT_FONT}`;
      ctx.textAlign = s.anchor === "middle" ? "center" : s.anchor === "end" ? "right" : "left";
      ctx.textBaseline = s.baseline ?? "alphabetic";
      ctx.fillText(text, 0, 0);
      ctx.restore();
    },
    image(source, x, y, w, h) {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(source, x, y, w, h);
    },
  };
}

/** Escape text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();

/** Painter that records SVG elements; `toString(width, height, background)` gives the document. */
export class SvgPainter implements Painter {
  private readonly parts: string[] = [];

  rect(x: number, y: number, w: number, h: number, fill: string | null, stroke?: string, strokeWidth = 1): void {
    this.parts.push(
      `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${fill ? escapeXml(fill) : "none"}"` +
        (stroke ? ` stroke="${escapeXml(stroke)}" stroke-width="${n(strokeWidth)}"` : "") +
        "/>",
    );
  }

  line(points: ReadonlyArray<readonly [number, number]>, stroke: string, width = 1, dash: number[] = []): void {
    if (points.length < 2) return;
    const pts = points.map(([x, y]) => `${n(x)},${n(y)}`).join(" ");
    this.parts.push(
      `<polyline points="${pts}" fill="none" stroke="${escapeXml(stroke)}" stroke-width="${n(width)}"` +
        (dash.length ? ` stroke-dasharray="${dash.join(" ")}"` : "") +
        "/>",
    );
  }

  text(x: number, y: number, text: string, s: TextStyle): void {
    const baseline =
      s.baseline === "top"
        ? "hanging"
        : s.baseline === "middle"
          ? "central"
          : s.baseline === "bottom"
            ? "text-after-edge"
            : "alphabetic";
    this.parts.push(
      `<text x="${n(x)}" y="${n(y)}" fill="${escapeXml(s.fill)}" font-size="${s.size ?? 11}" ` +
        `font-family="${escapeXml(s.font ?? DEFAULT_FONT)}" font-weight="${s.weight ?? "normal"}" ` +
        `text-anchor="${s.anchor ?? "start"}" dominant-baseline="${baseline}" xml:space="preserve"` +
        (s.rotate ? ` transform="rotate(${s.rotate} ${n(x)} ${n(y)})"` : "") +
        `>${escapeXml(text)}</text>`,
    );
  }

  image(source: HTMLCanvasElement, x: number, y: number, w: number, h: number): void {
    // A heatmap with millions of cells is embedded as one PNG image rather than millions of rects.
    this.parts.push(
      `<image x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" preserveAspectRatio="none" ` +
        `style="image-rendering:pixelated" href="${source.toDataURL("image/png")}"/>`,
    );
  }

  toString(width: number, height: number, background?: string): string {
    const bg = background ? `<rect width="100%" height="100%" fill="${escapeXml(background)}"/>` : "";
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" ` +
      `viewBox="0 0 ${n(width)} ${n(height)}">${bg}${this.parts.join("")}</svg>`
    );
  }
}
