import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { LogitAttribution, type LogitAttributionProps } from "./LogitAttribution.js";

export { LogitAttribution };
export type { LogitAttributionProps, AttributionCell } from "./LogitAttribution.js";

/** Mount LogitAttribution into a plain DOM element. */
export function renderLogitAttribution(
  element: Element,
  props: LogitAttributionProps,
): MountedComponent<LogitAttributionProps> {
  return mountComponent(LogitAttribution, element, props);
}
