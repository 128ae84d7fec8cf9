// Loaded by the VS Code extension host as "tests" during `npm run bench`: reads the extension's
// start-up figures and writes them to $BENCH_OUT.
import { writeFileSync } from "node:fs";
import * as vscode from "vscode";
import type { SoftphoneApi } from "../../src/extension";

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<SoftphoneApi>("softphone-dev.softphone");
  if (!ext) throw new Error("extension not installed");
  const api = await ext.activate();
  await api.ready;
  const out = process.env.BENCH_OUT;
  if (out) writeFileSync(out, JSON.stringify({ ...api.diagnostics(), vscodeVersion: vscode.version }));
}
