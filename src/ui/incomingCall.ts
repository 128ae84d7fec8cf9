// The incoming-call notification: Answer / Decline, and Answer with Video when the caller
// offers video (plain Answer then keeps our camera off). The caller's name is network input:
// it is cleaned and escaped so it cannot inject links or commands into the notification.
import * as vscode from "vscode";
import { partyLabel, safeUiText } from "../calls/remoteParty";
import type { CallAction } from "../protocol/callActions";
import type { CallView } from "../protocol/model";
import { messageOf } from "../util/text";

const ANSWER = "Answer";
const ANSWER_VIDEO = "Answer with Video";
const DECLINE = "Decline";

export async function showIncomingCall(
  call: CallView,
  accountLabel: string,
  actions: { act(action: CallAction): Promise<void>; isRinging(id: string): boolean },
): Promise<void> {
  const who = safeUiText(partyLabel(call.remote));
  const kind = call.videoOffered ? "Incoming video call" : "Incoming call";
  const buttons = call.videoOffered ? [ANSWER_VIDEO, ANSWER, DECLINE] : [ANSWER, DECLINE];
  const pick = await vscode.window.showInformationMessage(`${kind} from ${who} (${safeUiText(accountLabel)})`, ...buttons);
  if (!pick) return;
  if (!actions.isRinging(call.id)) {
    void vscode.window.showInformationMessage(`The call from ${who} is no longer ringing.`);
    return;
  }
  try {
    if (pick === DECLINE) await actions.act({ action: "decline", callId: call.id });
    else await actions.act({ action: "answer", callId: call.id, ...(pick === ANSWER_VIDEO ? { video: true } : {}) });
  } catch (err) {
    void vscode.window.showErrorMessage(`Softphone: ${messageOf(err)}`);
  }
}
