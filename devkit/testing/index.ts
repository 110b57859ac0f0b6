export * from "./fixtures.js";
export * from "./sender.js";
export * from "./signing.js";
