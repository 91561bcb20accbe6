import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // real lab snapshots for the renderer tests (built once per run, handed over with inject)
    globalSetup: ['tests/fixtures/real-snapshots.ts'],
    testTimeout: 30_000
  }
})
