// "Softphone: Transfer…": where the call goes — another call in progress (attended: the two
// parties are connected), a number or address typed or from recent calls (blind), or someone's
// voicemail. Then the attempt runs through the action table; its state shows in the status
// bar, the sidebar and the call window.
import * as vscode from "vscode";
import { safeUiText } from "../calls/remoteParty";
import type { CallAction } from "../protocol/callActions";
import type { CallView } from "../protocol/model";
import type { Phone } from "../phone/phone";
import { callLabel } from "./format";
import { contactItems } from "./contactItems";

type TransferItem = vscode.QuickPickItem & { action?: Omit<Extract<CallAction, { action: "transfer" }>, "action" | "callId">; voicemail?: true };

export async function pickTransferTarget(softphone: Phone, call: CallView): Promise<TransferItem["action"] | undefined> {
  const others = softphone.callViews().filter((c) => c.id !== call.id && c.state === "incall");
  const recent = await softphone.recentTargets(10).catch(() => [] as string[]);
  const fixed: TransferItem[] = [
    ...others.map((c) => ({ label: `$(arrow-swap) ${safeUiText(callLabel(c))}`, description: "attended: connect them with each other", action: { toCallId: c.id } })),
    { label: "$(mail) Voicemail of…", description: "send the call to someone's voicemail", voicemail: true as const },
    ...contactItems(softphone.contacts, (a) => softphone.presence.lampOf(a)).map(({ target, ...item }) => ({ ...item, action: { to: target } })),
    ...recent.map((uri) => ({ label: uri.replace(/^sips?:/, ""), description: "recent", action: { to: uri } })),
  ];
  const qp = vscode.window.createQuickPick<TransferItem>();
  qp.title = `Softphone: Transfer ${safeUiText(callLabel(call))}`;
  qp.placeholder = "Number, user name or sip: address — or pick a call in progress";
  qp.items = fixed;
  qp.onDidChangeValue((value) => {
    const typed = value.trim();
    qp.items = typed ? [{ label: typed, description: "blind transfer", action: { to: typed } }, ...fixed] : fixed;
  });
  const picked = await new Promise<TransferItem | undefined>((resolve) => {
    qp.onDidAccept(() => {
      resolve(qp.activeItems[0]);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
  if (!picked) return undefined;
  if (!picked.voicemail) return picked.action;
  const user = await vscode.window.showInputBox({ title: "Softphone: Transfer to Voicemail", prompt: "Whose voicemail? (user name)", validateInput: (v) => (/^[A-Za-z0-9._~+-]+$/.test(v.trim()) ? undefined : "A user name") });
  return user ? { voicemailOf: user.trim() } : undefined;
}
