import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // Tests start real servers on loopback; two workers match the CI machine.
    maxWorkers: 2,
  },
});
