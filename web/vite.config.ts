// The web UI's bundle. CMake runs `vite build` (cmake/BoxofficeWeb.cmake) with --outDir in the
// build tree; scripts/embed.mjs then compresses the output and compiles it into the binary.
import { defineConfig } from "vite";

export default defineConfig({
  // JSX for Preact through esbuild's automatic runtime: no Babel, no plugin.
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    target: "es2020",
    // Every file a real file: a data: URI would need a wider Content-Security-Policy.
    assetsInlineLimit: 0,
    // The modulepreload polyfill would be an inline script; the CSP forbids those and every
    // browser we support preloads modules natively.
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
    emptyOutDir: true,
  },
});
