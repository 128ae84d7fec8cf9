// Starts code-server for the demo with the packaged extension and the demo accounts, prints the
// URL and waits until Ctrl-C. Uses the same harness as the tests (test/vscode/harness/lib.js).
'use strict';
const path = require('path');
const fs = require('fs');
const harness = require('../test/vscode/harness/lib.js');

const runDir = path.resolve(process.argv[2] || '.run/demo');
const port = Number(process.env.DEMO_PORT || 8765);

(async () => {
  const csDir = path.join(runDir, 'code-server');
  const folder = path.join(runDir, 'workspace');
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'WELCOME.md'), [
    '# Softphone demo',
    '',
    'Accounts **alice** (default) and **bob** are configured on the local PBX.',
    'VS Code asks for their passwords once (stored in its secret storage): `alicepw`, `bobpw`.',
    '',
    '- `F1` → **Softphone: Dial…** → `phone` — baresip answers and plays a tone; it records what it hears.',
    '- Dial `bob` from alice to ring your own second account; answer from the notification.',
    '- `sipp-busy` and `sipp-503` show busy / unavailable; `sipp-answer` answers and hangs up after 1.5 s.',
    '- The call window (media) opens in a new browser tab: allow the microphone there and keep it open.',
    '- Rooms: `F1` → **Softphone: Join Room…** → *Demo room* (video) or *Demo audio room*.',
    '- Phone dial-in: the account **rooms** (password `roomspw`) answers `+4930555100`; dial it from alice, then type `002000` on the keypad to land in *Demo audio room*.',
    '',
  ].join('\n'));
  harness.installExtension(csDir, path.resolve('dist/softphone.vsix'));
  const cs = await harness.startCodeServer({
    runDir: csDir,
    folder,
    port,
    keepExtensions: true,
    settings: {
      'softphone.accounts': [
        { id: 'alice', label: 'alice', server: 'ws://127.0.0.1:8080', uri: 'sip:alice@127.0.0.1', displayName: 'Alice' },
        { id: 'bob', label: 'bob', server: 'ws://127.0.0.1:8080', uri: 'sip:bob@127.0.0.1', displayName: 'Bob' },
        // answers phone callers for the rooms (dial +4930555100, then the room's 6-digit number)
        { id: 'rooms', label: 'room dial-in', server: 'ws://127.0.0.1:8080', uri: 'sip:rooms@127.0.0.1', roomDialIn: true },
      ],
      'softphone.defaultAccount': 'alice',
      // alice watches these (presence: available, in a call, offline — bob's and the desk phone's
      // calls light up through the PBX's busy lamp)
      'softphone.contacts': [
        { name: 'Bob', address: 'bob' },
        { name: 'Desk phone (baresip)', address: 'phone' },
        { name: 'Carol', address: 'carol', group: 'Away today' },
      ],
      'softphone.rooms.server': 'ws://127.0.0.1:8188',
      'workbench.startupEditor': 'readme',
    },
  });
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
  console.log('\n  Softphone demo is running.');
  console.log(`  Open VS Code:      ${url}`);
  console.log('  Passwords:         alice → alicepw, bob → bobpw, rooms → roomspw (VS Code asks once)');
  console.log('  Try:               F1 → "Softphone: Dial…" → phone');
  console.log('  Rooms:             F1 → "Softphone: Join Room…" → "Demo room" (Janus on ws://127.0.0.1:8188)');
  console.log('  Dial-in:           dial +4930555100, then type 002000 → "Demo audio room"');
  console.log(`  Desktop VS Code:   code --install-extension ${path.resolve('dist/softphone.vsix')}`);
  console.log('  Stop:              Ctrl-C\n');
  const stop = async () => { await cs.stop(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  cs.child.on('exit', () => { console.log('code-server exited'); process.exit(1); });
})().catch((e) => { console.error(e.message || e); process.exit(1); });
