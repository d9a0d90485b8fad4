#!/usr/bin/env node
// The `attnscope` command. It lives outside dist/ so npm can link it before the first build.
import { existsSync } from "node:fs";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("attnscope: the CLI is not built yet: run `npm run build` at the repository root");
  process.exit(1);
}
await import(main.href);
