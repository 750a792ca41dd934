/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true }] },
  // integration tests spawn the CLI and start servers; two workers fit a 2-core machine
  maxWorkers: 2,
  testTimeout: 30000,
  setupFilesAfterEnv: ["<rootDir>/test/setup/released.ts"],
};
