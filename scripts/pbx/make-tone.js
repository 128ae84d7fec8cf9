#!/usr/bin/env node
// Writes a mono 16-bit PCM WAV with a sine tone (no dependencies).
// usage: node make-tone.js OUT.wav [SECONDS=60] [HZ=440] [RATE=8000] [AMPLITUDE=0.5]
"use strict";
const fs = require("fs");

const [out, secs = "60", hz = "440", rate = "8000", amp = "0.5"] = process.argv.slice(2);
if (!out) {
  console.error("usage: node make-tone.js OUT.wav [SECONDS=60] [HZ=440] [RATE=8000] [AMPLITUDE=0.5]");
  process.exit(2);
}
const seconds = Number(secs), freq = Number(hz), sampleRate = Number(rate), amplitude = Number(amp);
if (!(seconds > 0 && freq > 0 && sampleRate > 0 && amplitude > 0 && amplitude <= 1)) {
  console.error(`make-tone: bad arguments ${JSON.stringify(process.argv.slice(2))}`);
  process.exit(2);
}
const n = Math.round(seconds * sampleRate);
const buf = Buffer.alloc(44 + n * 2);
buf.write("RIFF", 0, "ascii");
buf.writeUInt32LE(36 + n * 2, 4);
buf.write("WAVE", 8, "ascii");
buf.write("fmt ", 12, "ascii");
buf.writeUInt32LE(16, 16); // fmt chunk size
buf.writeUInt16LE(1, 20); // PCM
buf.writeUInt16LE(1, 22); // mono
buf.writeUInt32LE(sampleRate, 24);
buf.writeUInt32LE(sampleRate * 2, 28); // byte rate
buf.writeUInt16LE(2, 32); // block align
buf.writeUInt16LE(16, 34); // bits per sample
buf.write("data", 36, "ascii");
buf.writeUInt32LE(n * 2, 40);
const peak = Math.round(amplitude * 32767);
for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(peak * Math.sin((2 * Math.PI * freq * i) / sampleRate)), 44 + i * 2);
const tmp = `${out}.tmp-${process.pid}`;
fs.writeFileSync(tmp, buf);
fs.renameSync(tmp, out);
