// ESLint for every workspace: TypeScript's recommended rules, React's hook rules for the kit and the demo,
// and nothing that fights Prettier (formatting is Prettier's job alone).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/build/**",
      "**/storybook-static/**",
      "**/coverage/**",
      "**/*.generated.ts",
      "python/attnscope_vis/static/**",
      "kernels/src/generated/**",
      // AssemblyScript: its own compiler checks it, and its types (i32, usize, v128) are not TypeScript's.
      "kernels/assembly/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.node, ...globals.browser, ...globals.worker },
    },
    rules: {
      // `_`-prefixed names mark parameters kept for an interface's shape.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    files: ["packages/react/**/*.{ts,tsx}", "apps/demo/**/*.{ts,tsx}", ".storybook/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    // The two classic hook rules; the React Compiler's stricter rules assume a compiler this project does not use.
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "error" },
  },
  prettier,
);
