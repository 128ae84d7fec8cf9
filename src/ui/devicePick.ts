// "Softphone: Select Audio and Video Devices": a quick pick of the microphones, speakers and
// cameras the call window offers (only the browser can list them), the ones in use marked.
// A pick applies at once — mid-call too, without renegotiation — and is kept.
import * as vscode from "vscode";
import { DEVICE_KIND_NAMES, DEVICE_KINDS } from "../protocol/callWindow";
import type { DeviceInfo } from "../protocol/callWindow";
import type { Phone } from "../phone/phone";

interface DeviceItem extends vscode.QuickPickItem {
  device?: DeviceInfo;
}

export async function selectDevices(softphone: Phone): Promise<DeviceInfo | undefined> {
  await softphone.showCallWindowIfClosed();
  if (!softphone.devices().devices.some((d) => d.label)) {
    // The window lists its devices once the microphone is allowed (labels need permission).
    await new Promise<void>((resolve) => {
      const sub = softphone.onDidChangeDevices((list) => list.some((d) => d.label) && done());
      const timer = setTimeout(done, 5000);
      function done() {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  }
  const { devices, inUse } = softphone.devices();
  if (!devices.length) throw new Error("the call window lists no devices — allow the microphone and camera for it, then try again");
  const items: DeviceItem[] = [];
  for (const kind of DEVICE_KINDS) {
    const ofKind = devices.filter((d) => d.kind === kind);
    if (!ofKind.length) continue;
    items.push({ label: DEVICE_KIND_NAMES[kind], kind: vscode.QuickPickItemKind.Separator });
    for (const d of ofKind) {
      const used = inUse[kind] === d.deviceId;
      items.push({ label: `${used ? "$(check) " : ""}${d.label || "unnamed device"}`, description: used ? "in use" : undefined, device: d });
    }
  }
  const pick = await vscode.window.showQuickPick(items, { title: "Softphone: Select Audio and Video Devices", placeHolder: "Pick a microphone, speaker or camera" });
  if (!pick?.device) return undefined;
  await softphone.chooseDevice(pick.device.kind, pick.device);
  return pick.device;
}
