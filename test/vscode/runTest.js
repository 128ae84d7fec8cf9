// Standard @vscode/test-electron entry, pointed at a shim that runs the tests in code-server
// (real VS Code 1.139.1) instead of a downloaded Electron VS Code (no download possible here).
//
//   bash scripts/vscode/setup.sh && node scripts/build.mjs --tests && node test/vscode/runTest.js
//
// env: RUN_DIR (default <repo>/.run/vscode/ext-tests; the workspace folder is RUN_DIR/workspace,
//      recreated empty each run), plus everything run-ext-tests.js reads (TEST_TIMEOUT_MS,
//      SETTINGS_JSON, ...). VSCODE_EXT_DEV_PATH / VSCODE_EXT_TESTS_PATH override the extension and
//      test entry (used to self-test the harness on a throwaway extension).
'use strict';
const fs = require('fs');
const path = require('path');
const { runTests } = require('@vscode/test-electron');

const root = path.resolve(__dirname, '../..');
const runDir = path.resolve(process.env.RUN_DIR || path.join(root, '.run/vscode/ext-tests'));
const extensionDevelopmentPath = path.resolve(process.env.VSCODE_EXT_DEV_PATH || root);
const extensionTestsPath = path.resolve(process.env.VSCODE_EXT_TESTS_PATH || path.join(root, 'out/test/vscode/suite/index.js'));
const workspace = path.join(runDir, 'workspace');

(async () => {
  if (!fs.existsSync(extensionTestsPath)) {
    console.error(`runTest: ${extensionTestsPath} not found; build first: node scripts/build.mjs --tests`);
    process.exit(2);
  }
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.mkdirSync(workspace, { recursive: true });
  try {
    await runTests({
      vscodeExecutablePath: path.join(__dirname, 'harness/code-shim'),
      extensionDevelopmentPath,
      extensionTestsPath,
      launchArgs: [workspace],
      extensionTestsEnv: { RUN_DIR: runDir },
    });
  } catch (e) {
    console.error('runTest: test run failed:', e && e.message || e);
    process.exit(typeof e.code === 'number' && e.code > 0 ? e.code : 1);
  }
})();
