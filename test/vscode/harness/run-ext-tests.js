#!/usr/bin/env node
// Run an extension's mocha integration tests inside code-server's (real VS Code 1.139.1) extension
// host, with headless chromium rendering the workbench (like VS Code's own
// test/integration/browser runner). Prints the extension host's console; exit code = test result.
//
// usage: node run-ext-tests.js <extensionDevelopmentPath> <extensionTestsPath> [workspaceFolder]
//   extensionTestsPath: the tests' index.js (exporting run(): Promise<void>) or its directory
// env:
//   RUN_DIR            state, logs and screenshots (default <repo>/.run/vscode/ext-tests)
//   TEST_TIMEOUT_MS    whole-run timeout (default 300000) -> exit 124
//   SETTINGS_JSON      path to a JSON object merged into the user settings (e.g. softphone.*)
//   SAME_ORIGIN_WEBVIEWS=1  keep code-server's stock same-origin webviews (default: isolated, like desktop)
//   POPUP_BLOCKING=1   keep Chromium's popup blocker (Playwright disables it by default)
//   HEADFUL=1          show the browser (needs a display)
//   VERBOSE=1          also print the workbench's own known-noise log lines (always kept in RUN_DIR/workbench.log)
//   Everything else in the environment reaches code-server and thus the extension host.
// exit codes: test runner's (0 pass, 1 failures), 2 usage, 3 harness error, 124 timeout
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');
const lib = require('./lib');

const [devArg, testsArg, folderArg] = process.argv.slice(2);
if (!devArg || !testsArg) {
  console.error('usage: node run-ext-tests.js <extensionDevelopmentPath> <extensionTestsPath> [workspaceFolder]');
  process.exit(2);
}
const runDir = path.resolve(process.env.RUN_DIR || path.join(lib.REPO_ROOT, '.run/vscode/ext-tests'));
const extDev = path.resolve(devArg);
let extTests = path.resolve(testsArg);
if (fs.existsSync(extTests) && fs.statSync(extTests).isDirectory()) extTests = path.join(extTests, 'index.js');
else if (!fs.existsSync(extTests) && fs.existsSync(extTests + '.js')) extTests += '.js';
const folder = path.resolve(folderArg || path.join(runDir, 'workspace'));
const TIMEOUT = Number(process.env.TEST_TIMEOUT_MS || 300000);
const t0 = Date.now();
const log = (...a) => console.log(`[vscode-harness +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);

function readSettings() {
  const f = process.env.SETTINGS_JSON;
  if (!f) return {};
  const s = JSON.parse(fs.readFileSync(f, 'utf8'));
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw new Error(`SETTINGS_JSON ${f}: not a JSON object`);
  return s;
}

/** vscode-remote:// URI of a path on the code-server host (what --extensionDevelopmentPath becomes). */
function remoteUri(cs, p) {
  return `vscode-remote://127.0.0.1:${cs.port}${p.split('/').map(encodeURIComponent).join('/')}`;
}

// Workbench log lines that are expected offline and say nothing about the tests (first line matched).
const NOISE = [
  /ENOTFOUND open-vsx\.org/, /Timed out waiting for authentication provider/, /^\[AccountPolicyGate\]/, /^\[AgentHost/,
  /^Creating a socket/, /^Resolving connection token/, /^Resolved connection token/, /^\[reconnection-grace-time\]/,
  /^Updating additional builtin extensions cache/, /^\[Service Worker\]/,
];
const isNoise = line => NOISE.some(re => re.test(line));
const VERBOSE = process.env.VERBOSE === '1';

let cs, ctx, cleaning;
async function cleanup() {
  if (!cleaning) {
    cleaning = (async () => {
      if (ctx) await ctx.close().catch(() => {});
      if (cs) await cs.stop();
    })();
  }
  return cleaning;
}
// Ctrl-C / SIGTERM / SIGHUP: lib.js stops code-server and chromium, then exits 130 / 143 / 129.

(async () => {
  let exitCode = 3;
  let page;
  try {
    if (!fs.existsSync(extTests)) throw new Error(`extensionTestsPath not found: ${extTests}`);
    if (!fs.existsSync(path.join(extDev, 'package.json'))) throw new Error(`no package.json in extensionDevelopmentPath ${extDev}`);
    fs.mkdirSync(runDir, { recursive: true });
    for (const f of ['browser-console.log', 'workbench.log', 'failure.png', 'vscode-logs']) fs.rmSync(path.join(runDir, f), { recursive: true, force: true });
    fs.mkdirSync(folder, { recursive: true });

    cs = await lib.startCodeServer({
      runDir, folder,
      settings: readSettings(),
      // the workbench honours the test payload (extensionDevelopmentPath/extensionTestsPath) only
      // with the smoke-test driver enabled
      extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    });
    log(`code-server ${lib.CODE_SERVER_VERSION} at ${cs.url} (pid ${cs.child.pid}), run dir ${runDir}`);

    ctx = await lib.launchChromium({ runDir, popupBlocking: process.env.POPUP_BLOCKING === '1', headless: process.env.HEADFUL !== '1' });
    if (process.env.SAME_ORIGIN_WEBVIEWS !== '1') await lib.isolateWebviews(ctx, cs);
    page = ctx.pages()[0] || await ctx.newPage();
    const consoleLog = path.join(runDir, 'browser-console.log');
    page.on('console', m => fs.appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', e => fs.appendFileSync(consoleLog, `[pageerror] ${e.stack || e}\n`));
    ctx.on('page', p => log('new tab:', p.url()));

    const done = new Promise(resolve => {
      // every workbench log line (including the extension host's console) arrives here
      const workbenchLog = path.join(runDir, 'workbench.log');
      page.exposeFunction('codeAutomationLog', (type, args) => {
        const line = util.format(...(Array.isArray(args) ? args : [args]));
        fs.appendFileSync(workbenchLog, `+${((Date.now() - t0) / 1000).toFixed(1)}s [${type}] ${line}\n`);
        if (VERBOSE || !isNoise(line.split('\n')[0])) console.log(line);
      });
      page.exposeFunction('codeAutomationExit', (code, logs) => {
        const logDir = path.join(runDir, 'vscode-logs');
        for (const l of logs || []) {
          const f = path.join(logDir, l.relativePath);
          fs.mkdirSync(path.dirname(f), { recursive: true });
          fs.writeFileSync(f, l.contents);
        }
        resolve(code);
      });
    });
    const csDied = new Promise(resolve => cs.child.on('exit', c => { if (!cs.stopping) { log('code-server exited early with', c); resolve(3); } }));
    const timedOut = new Promise(resolve => setTimeout(() => { log(`TIMEOUT after ${TIMEOUT} ms`); resolve(124); }, TIMEOUT).unref());

    const payload = [
      ['extensionDevelopmentPath', remoteUri(cs, extDev)],
      ['extensionTestsPath', remoteUri(cs, extTests)],
      ['enableProposedApi', ''],
      ['skipWelcome', 'true'],
    ];
    await page.goto(lib.workbenchUrl(cs, folder, payload));
    log('workbench page loaded; waiting for the tests');
    exitCode = await Promise.race([done, csDied, timedOut]);
    if (exitCode !== 0) await page.screenshot({ path: path.join(runDir, 'failure.png') }).catch(() => {});
  } catch (e) {
    console.error('[vscode-harness] error:', e && e.stack || e);
    if (page) await page.screenshot({ path: path.join(runDir, 'failure.png') }).catch(() => {});
    exitCode = 3;
  } finally {
    await cleanup();
  }
  if (exitCode !== 0 && cs) log(`logs: ${path.join(runDir, 'code-server.log')}, ${path.join(runDir, 'browser-console.log')}, ${path.join(runDir, 'vscode-logs')}`);
  log('exit code', exitCode, `(wall ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  process.exit(exitCode);
})();
