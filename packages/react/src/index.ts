export * from "./AttentionPatterns/index.js";
