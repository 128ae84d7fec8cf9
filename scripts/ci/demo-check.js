#!/usr/bin/env node
// CI check of README's first command, run the way a person runs it: `npm run demo` in its own
// process group (a terminal's foreground job), then
//   1. it prints the URL of VS Code,
//   2. that URL serves the workbench, with the extension's status bar item for alice,
//   3. after the password prompt (the notification's "Set Password", then the password typed
//      into the input box, as README says) alice registers with the local PBX,
//   4. Ctrl-C (SIGINT to the whole group) stops it, and no process it started is left: every
//      process still carrying this run's marker in its environment is a leak.
// Exit 0 when all holds; otherwise 1 with the reason (leaked processes are killed afterwards).
//
// usage: node scripts/ci/demo-check.js   (from the repo; run inside scripts/netns.sh in CI so the
//        demo's fixed ports cannot clash with anything on the machine)
'use strict';
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

const REPO = path.resolve(__dirname, '../..');
const harness = require(path.join(REPO, 'test/vscode/harness/lib.js'));
const runDir = path.join(process.env.SOFTPHONE_RUN_DIR || path.join(REPO, '.run'), 'demo-check');
const marker = `demo-check-${crypto.randomBytes(6).toString('hex')}`;
const t0 = Date.now();
const say = (m) => console.log(`[demo-check +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

/** Processes (pid, command line) whose environment carries this run's marker. */
function markedProcesses() {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    if (Number(pid) === process.pid) continue;
    try {
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`SOFTPHONE_DEMO_MARK=${marker}`)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, not yet reaped
      found.push({ pid: Number(pid), cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim().slice(0, 160) });
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return found;
}

function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

async function main() {
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  say(`npm run demo (marker ${marker})`);
  const demo = spawn('npm', ['run', 'demo'], {
    cwd: REPO,
    detached: true, // its own process group, like a job in a terminal: Ctrl-C reaches all of it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SOFTPHONE_DEMO_MARK: marker, SOFTPHONE_DEMO_DIR: path.join(runDir, 'demo') },
  });
  let out = '';
  let exited = null;
  const exitedP = new Promise((resolve) => demo.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  for (const s of [demo.stdout, demo.stderr]) {
    s.setEncoding('utf8');
    s.on('data', (d) => {
      out += d;
      fs.appendFileSync(path.join(runDir, 'demo.out'), d);
    });
  }
  let failure;
  let ctx;
  try {
    const url = await waitFor('the demo to print its URL', 600000, () => {
      if (exited) throw new Error(`npm run demo exited (${JSON.stringify(exited)}) before printing a URL:\n${out.slice(-3000)}`);
      return /Open VS Code:\s+(http:\/\/\S+)/.exec(out)?.[1];
    });
    say(`printed ${url}`);
    const res = await get(url);
    if (res.status !== 200 || !/vs\/code|workbench/i.test(res.body)) throw new Error(`${url} answered ${res.status}, not the workbench`);
    say('the URL serves the VS Code workbench');

    ctx = await harness.launchChromium({ runDir: path.join(runDir, 'browser') });
    const page = ctx.pages()[0] || (await ctx.newPage());
    await page.goto(url);
    await harness.waitForWorkbench(page, 90000);
    await harness.statusBarItem(page, 'alice').first().waitFor({ timeout: 60000 });
    say('the workbench shows the extension (alice in the status bar)');
    // The demo accounts have no password yet: the extension asks (one notification per account).
    const toast = page.locator('.notification-toast', { hasText: /alice/ }).filter({ hasText: /password/i }).first();
    await toast.waitFor({ timeout: 60000 });
    await toast.locator('.monaco-button', { hasText: 'Set Password' }).first().click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15000 });
    await input.fill('alicepw');
    await page.keyboard.press('Enter');
    await page.locator('#workbench\\.parts\\.statusbar .statusbar-item:has(.codicon-pass-filled)', { hasText: 'alice' }).waitFor({ timeout: 30000 });
    say('alice registered after the password prompt');
    await page.screenshot({ path: path.join(runDir, 'demo-registered.png') }).catch(() => undefined);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  } finally {
    if (ctx) await ctx.close().catch(() => undefined);
  }

  // Ctrl-C: SIGINT to the foreground group, as a terminal sends it.
  if (!exited) {
    say('Ctrl-C');
    try {
      process.kill(-demo.pid, 'SIGINT');
    } catch {
      /* already gone */
    }
    await Promise.race([exitedP, sleep(30000)]);
    if (!exited) failure ??= 'npm run demo did not exit within 30 s of Ctrl-C';
    else say(`npm run demo exited (${exited.signal ?? `code ${exited.code}`})`);
  }
  // Give daemons that were told to stop a moment, then look for anything left.
  let left = markedProcesses();
  for (let i = 0; i < 50 && left.length; i++) {
    await sleep(200);
    left = markedProcesses();
  }
  if (left.length) {
    failure ??= `left running after Ctrl-C:\n${left.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`;
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } else say('nothing the demo started is left running');
  if (failure) {
    console.error(`[demo-check] FAILED: ${failure}\n--- demo output (tail) ---\n${out.slice(-4000)}`);
    return 1;
  }
  say('ok');
  return 0;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what, ms, probe) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
