// The web UI's linter (npm run lint; a ctest runs it): ESLint's and typescript-eslint's
// recommended rules, plus the type-aware rules that catch what the type checker cannot: a
// promise nobody awaits or catches, a promise where a callback's answer is expected.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "vite.config.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}", "e2e/**/*.ts", "playwright.config.ts"],
    languageOptions: {
      parserOptions: { project: ["./tsconfig.json", "./tsconfig.e2e.json"], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  // Build scripts run under Node; the service worker in its own global scope.
  { files: ["scripts/**/*.mjs", "eslint.config.js"], languageOptions: { globals: globals.node } },
  { files: ["public/sw.js"], languageOptions: { globals: globals.serviceworker } },
);
