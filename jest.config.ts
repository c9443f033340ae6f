import type { Config } from "jest";

// ESM mode (NODE_OPTIONS=--experimental-vm-modules, set by `npm test`): got and Prisma 7's client are ESM-only.
const config: Config = {
  testEnvironment: "node",
  // Tests run the workspace packages from source (their "source" export); the services run dist/.
  testEnvironmentOptions: { customExportConditions: ["source", "node", "node-addons"] },
  extensionsToTreatAsEsm: [".ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }] },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  roots: ["<rootDir>/test", "<rootDir>/packages", "<rootDir>/apps"],
  testMatch: ["**/*.test.ts"],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  testTimeout: 60_000,
  maxWorkers: 2,
  // Tests end by closing what they open; a leftover handle should fail loudly, not hang CI.
  forceExit: false,
};

export default config;
