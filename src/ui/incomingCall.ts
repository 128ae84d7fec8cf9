// The incoming-call notification with Answer / Decline. The caller's name is network input:
// it is cleaned and escaped so it cannot inject links or commands into the notification.
import * as vscode from "vscode";
import { partyLabel, safeUiText } from "../calls/remoteParty";
import type { CallView } from "../protocol/model";
import { messageOf } from "../util/text";

export async function showIncomingCall(
  call: CallView,
  accountLabel: string,
  actions: { answer(id: string): Promise<void>; decline(id: string): Promise<void>; isRinging(id: string): boolean },
): Promise<void> {
  const who = safeUiText(partyLabel(call.remote));
  const pick = await vscode.window.showInformationMessage(`Incoming call from ${who} (${safeUiText(accountLabel)})`, "Answer", "Decline");
  if (!pick) return;
  if (!actions.isRinging(call.id)) {
    void vscode.window.showInformationMessage(`The call from ${who} is no longer ringing.`);
    return;
  }
  try {
    if (pick === "Answer") await actions.answer(call.id);
    else await actions.decline(call.id);
  } catch (err) {
    void vscode.window.showErrorMessage(`Softphone: ${messageOf(err)}`);
  }
}
