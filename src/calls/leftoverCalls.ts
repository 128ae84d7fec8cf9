// Ends the calls a killed host left up at their far ends. Each time an account registers (at
// start, and after a reconnect: another window's host may have died meanwhile), the dialogs of
// that account left by hosts that are gone get a BYE from this account's connection and are
// forgotten. Registered, not merely connected: the registrar then knows this connection, which
// is also how the BYE's response and any late request find their way back.
//
// A leftover is forgotten after one BYE whatever the answer (200, 481 "no such call", 408, or
// a dialog whose URIs don't parse): the far end has either ended the call or never will for
// this BYE, and trying again at every start would only repeat that. The history is not touched: the call already reads as
// "interrupted" (a start record and no end), which is what happened to it.
import type { Leftover, LiveDialog, LiveDialogStore } from "./liveDialogs";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";

export interface LeftoverCallsOptions {
  store: Pick<LiveDialogStore, "leftovers" | "drop">;
  /** Sends the BYE from the account; resolves with the final status, undefined for none in time. */
  bye: (accountId: string, dialog: LiveDialog) => Promise<number | undefined>;
  log: Logger;
}

export class LeftoverCalls {
  /** Accounts being swept now: a second registration meanwhile waits for the next one. */
  private readonly sweeping = new Set<string>();

  constructor(private readonly options: LeftoverCallsOptions) {}

  /** `accountId` is registered: end what was left of its calls. Never throws; resolves when done. */
  async accountRegistered(accountId: string): Promise<void> {
    if (this.sweeping.has(accountId)) return;
    this.sweeping.add(accountId);
    try {
      await this.sweep(accountId);
    } catch (err) {
      this.options.log.error(`[${accountId}] calls left by a previous run: ${messageOf(err)}`);
    } finally {
      this.sweeping.delete(accountId);
    }
  }

  private async sweep(accountId: string): Promise<void> {
    const { leftovers, problems } = await this.options.store.leftovers(accountId);
    for (const p of problems) this.options.log.error(`[${accountId}] live dialogs: ${p}`);
    await Promise.all(leftovers.map((l) => this.end(accountId, l)));
  }

  private async end(accountId: string, leftover: Leftover): Promise<void> {
    const d = leftover.dialog;
    const what = `call ${d.callId} (to ${d.remoteUri}) left up by a previous run`;
    try {
      const status = await this.options.bye(accountId, d);
      this.options.log.info(`[${accountId}] ${what}: BYE answered ${status ?? "nothing in time"}; forgotten`);
    } catch (err) {
      this.options.log.warn(`[${accountId}] ${what}: no BYE could be sent (${messageOf(err)}); forgotten`);
    }
    await this.options.store.drop(leftover);
  }
}
