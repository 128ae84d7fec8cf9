// Builds every bundle with esbuild: the extension host, the two Svelte front ends and (with
// --tests) the mocha suites. One script so that tests always run against freshly built code.
//   node scripts/build.mjs            host + webviews (minified unless --dev)
//   node scripts/build.mjs --tests    also the test bundles under out/test
//   node scripts/build.mjs --watch    rebuild on change (development)
import * as esbuild from "esbuild";
import sveltePlugin from "esbuild-svelte";
import { readdirSync, existsSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const dev = args.has("--dev") || args.has("--watch");
const withTests = args.has("--tests");

const common = { bundle: true, sourcemap: dev ? "inline" : false, minify: !dev, logLevel: "warning", absWorkingDir: root, legalComments: "none" };

const host = {
  ...common,
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["vscode", "bufferutil", "utf-8-validate"],
};

const webview = (name) => ({
  ...common,
  entryPoints: [`webview/${name}/main.ts`],
  outfile: `dist/webview/${name}.js`,
  platform: "browser",
  format: "iife",
  target: "es2022",
  mainFields: ["svelte", "browser", "module", "main"],
  conditions: ["svelte", "browser"],
  plugins: [sveltePlugin({ compilerOptions: { css: "injected" } })],
});

function testEntries(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).filter((f) => f.endsWith(".ts")).map((f) => `${dir}/${f}`);
}

const tests = (dir, extraExternal = []) => ({
  ...common,
  minify: false,
  sourcemap: "inline",
  entryPoints: testEntries(dir),
  outdir: `out/${dir}`,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["vscode", "mocha", "playwright-core", "bufferutil", "utf-8-validate", ...extraExternal],
});

const configs = [host, webview("sidebar"), webview("callwindow")];
if (withTests) {
  rmSync(join(root, "out/test"), { recursive: true, force: true });
  // The benchmark's baseline pages (plain sip.js in the browser), minified like our call window
  // so that both pages' heaps hold production code.
  configs.push({ ...common, entryPoints: ["test/bench/page/plainSipjs.ts"], outfile: "out/test/bench/page/plainSipjs.js", platform: "browser", format: "iife", target: "es2022" });
  for (const dir of ["test/unit", "test/integration", "test/vscode/suite", "test/e2e", "test/bench"]) {
    const c = tests(dir);
    if (c.entryPoints.length) configs.push(c);
  }
}

if (args.has("--watch")) {
  for (const c of configs) (await esbuild.context(c)).watch();
  console.log("watching…");
} else {
  const t0 = Date.now();
  await Promise.all(configs.map((c) => esbuild.build(c)));
  console.log(`built ${configs.length} bundle groups in ${Date.now() - t0} ms`);
}
