// "Ask before following a transfer" (softphone.transfer.askFirst): the other party's REFER waits
// for the user's Accept or Refuse. A REFER must be answered within its transaction (32 s), so
// no answer within 20 s counts as Refuse.
import * as vscode from "vscode";
import type { RemoteParty } from "../protocol/model";
import { callLabel } from "./format";

const ASK_MS = 20000;

export async function confirmTransfer(request: { from: RemoteParty; to: RemoteParty }): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const giveUp = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ASK_MS)));
  const asked = vscode.window.showInformationMessage(
    `Softphone: ${callLabel({ remote: request.from })} wants to transfer your call to ${callLabel({ remote: request.to })}.`,
    "Accept",
    "Refuse",
  );
  try {
    return (await Promise.race([asked, giveUp])) === "Accept";
  } finally {
    clearTimeout(timer);
  }
}
