// Test entry loaded by the VS Code extension host (extensionTestsPath = out/test/vscode/suite/index.js).
// Runs every *.test.js beside it with mocha, BDD interface (describe/it/before/after), spec reporter,
// so the run ends with mocha's usual "N passing" / "N failing" lines on the extension host console
// (which the harness prints). Rejecting run() makes VS Code exit with a non-zero code.
//
// env (reaches the extension host through code-server):
//   MOCHA_GREP        only tests whose full title matches this regular expression (set by
//                     scripts/run-suites.sh --grep only; it unsets any value from the environment)
//   MOCHA_TIMEOUT_MS  per-test timeout (default 60000)
//   MOCHA_RESULTS_JSON  also write { passes, failures, pending } as JSON to this path
import * as fs from "fs";
import * as path from "path";

type MochaClass = typeof import("mocha");

// mocha 12 is an ES module re-exporting its CommonJS build: require() (Node >= 20.19 / 22.12)
// returns the namespace, whose `default` is the Mocha class. mocha is external to this bundle and
// resolves from the repository's node_modules at run time.
function loadMocha(): MochaClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require("mocha");
  return (m && m.default) || m;
}

export function run(): Promise<void> {
  const Mocha = loadMocha();
  const mocha = new Mocha({
    ui: "bdd",
    reporter: "spec",
    color: false,
    forbidOnly: true, // a stray .only would silently run one test and report green
    timeout: Number(process.env.MOCHA_TIMEOUT_MS || 60000),
    ...(process.env.MOCHA_GREP ? { grep: new RegExp(process.env.MOCHA_GREP) } : {}),
  });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith(".test.js")).sort();
  if (files.length === 0) return Promise.reject(new Error(`no *.test.js files in ${__dirname}`));
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  const results = { passes: [] as string[], failures: [] as { title: string; error: string }[], pending: [] as string[] };
  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const out = process.env.MOCHA_RESULTS_JSON;
        if (out) {
          try {
            fs.mkdirSync(path.dirname(out), { recursive: true });
            fs.writeFileSync(out, JSON.stringify(results, null, 2));
          } catch (e) {
            console.error("could not write", out, e);
          }
        }
        if (failures > 0) reject(new Error(`${failures} test(s) failed.`));
        else resolve();
      });
      runner.on("pass", (t) => results.passes.push(t.fullTitle()));
      runner.on("fail", (t, err) => results.failures.push({ title: t.fullTitle(), error: String((err && err.stack) || err) }));
      runner.on("pending", (t) => results.pending.push(t.fullTitle()));
    } catch (e) {
      reject(e);
    }
  });
}
