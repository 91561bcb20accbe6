// ESLint (flat config) for TypeScript and Vue. Only untyped rule sets: the typed ones
// (no-floating-promises and friends) need a full type program per file, which is too slow for
// `npm test` on a busy 2-core machine; `tsc`/`vue-tsc` already check types. The sets below are the
// ones that find real bugs (unused code, unreachable code, wrong Vue API use), not layout.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import { defineConfig } from 'eslint/config'

export default defineConfig(
  {
    ignores: [
      'node_modules/**', 'out/**', 'dist/**', 'release/**', 'native/build/**', 'build/**/*.node',
      'reports/**', 'test-results*/**', 'playwright-report*/**', 'coverage/**', 'bench/results.json'
    ]
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } }
  },
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node }
    },
    rules: {
      // unused code is a bug or dead weight; `_name` marks a parameter an interface imposes
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true
      }],
      // `catch {}` with a comment is how protocol code swallows a hostile value on purpose
      'no-empty': ['error', { allowEmptyCatch: true }],
      // `any` is sometimes the honest type at a boundary (mocks, JSON); tsc's strict mode covers the rest
      '@typescript-eslint/no-explicit-any': 'off',
      // Vue SFC names such as App.vue are single words by design of this app
      'vue/multi-word-component-names': 'off'
    }
  },
  {
    // the renderer runs in a browser (Chromium or Electron's sandboxed renderer): no Node globals
    files: ['src/renderer/**/*.{ts,vue}', 'tests/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    // CommonJS: the bin entry (package.json has no "type") and electron-builder hooks
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  }
)
