// ESM jest: the runtime depends on ESM-only packages (zarrita, itk-wasm), so tests run as
// native ES modules (`NODE_OPTIONS=--experimental-vm-modules`, set by `npm run test:unit`).
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: { ignoreCodes: [151002] } }]
  },
  testTimeout: 60000,
  // Servers started by tests keep their stores and logs in a home of this run (tests/jest-global-setup.mjs).
  globalSetup: '<rootDir>/tests/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/tests/jest-global-teardown.mjs',
  // Test files start real servers on fixed ports, and one file's data port may be another's
  // P+1000 or P+3000 (docs/ARCHITECTURE.md): one file at a time, as on a 2-core machine.
  maxWorkers: 1
};
