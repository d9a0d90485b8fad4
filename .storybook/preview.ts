import type { Preview } from "@storybook/react-vite";

const preview: Preview = {
  parameters: {
    layout: "padded",
    controls: { expanded: true },
  },
  globalTypes: {
    theme: {
      description: "Component theme",
      toolbar: { title: "Theme", items: ["auto", "light", "dark"], dynamicTitle: true },
    },
  },
  initialGlobals: { theme: "auto" },
  decorators: [
    // The toolbar theme applies to every component unless the story sets its own `theme` arg.
    (Story, ctx) => {
      const theme = ctx.globals.theme as string | undefined;
      if (!theme || theme === "auto" || ctx.args.theme !== undefined) return Story();
      return Story({ args: { ...ctx.args, theme } });
    },
  ],
};

export default preview;
