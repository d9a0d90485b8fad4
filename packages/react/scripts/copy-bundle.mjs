// Copies the IIFE bundle into the Python package (python/attnscope_vis/static/), which inlines
// it into notebook output. The copy is a build artefact, ignored by git.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = path.join(here, "..", "dist", "cdn", "attnscope.iife.js");
const pkg = path.join(here, "..", "..", "..", "python", "attnscope_vis");
if (!existsSync(pkg)) process.exit(0); // a packed copy of this package has no python/ beside it
mkdirSync(path.join(pkg, "static"), { recursive: true });
copyFileSync(bundle, path.join(pkg, "static", "attnscope.iife.js"));
