// `npm run package`: production build, then dist/softphone.vsix with vsce — offline: the
// bundles contain every dependency, so vsce is told not to look at node_modules.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { stdio: "inherit", cwd: root });
const out = join(root, "dist/softphone.vsix");
execFileSync(process.execPath, [join(root, "node_modules/@vscode/vsce/vsce"), "package", "--no-dependencies", "--allow-missing-repository", "-o", out], {
  stdio: ["ignore", "inherit", "inherit"],
  cwd: root,
});
console.log(`wrote ${out} (${Math.round(statSync(out).size / 1024)} KiB)`);
