// Where this VS Code window sits: it owns the phone (no live owner: it claims the owner file,
// starts the SIP stack and listens for the other windows), or it links to the window that does.
// A linked window whose owner goes away (closed, crashed, killed) elects again at once: one of
// the remaining windows claims the phone and registers, the others link to it. Free of `vscode`.
import { Emitter, type Disposable } from "../util/emitter";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";
import type { OwnerLock, OwnerRecord } from "./ownerLock";
import type { Phone } from "./phone";
import { RemotePhone } from "./remotePhone";

/** What the window runs in its role; disposing it ends that role (the owner: BYE, un-REGISTER). */
export interface Seated {
  readonly role: "owner" | "window";
  readonly phone: Phone;
  dispose(): Promise<void>;
}

export interface PhoneSeatOptions {
  lock: OwnerLock;
  log: Logger;
  /** Start the phone here (we hold the owner file). */
  becomeOwner(record: OwnerRecord): Promise<Seated>;
  /** Show the owner's phone here. */
  becomeWindow(remote: RemotePhone): Seated;
  /** Whether this window is focused now (told to the owner with hello). */
  focused(): boolean;
  /** How often an owner checks the owner file still names it (ms). */
  checkEveryMs?: number;
}

export class PhoneSeat implements Disposable {
  private seated?: Seated;
  private disposed = false;
  private checkTimer?: ReturnType<typeof setInterval>;
  private taking?: Promise<Seated | undefined>;
  private readonly _onDidChange = new Emitter<Seated>();
  /** The window took a new role (first, or after a handover). */
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly options: PhoneSeatOptions) {}

  get current(): Seated | undefined {
    return this.seated;
  }

  /** Take a seat (resolves once this window owns the phone or is linked to its owner). */
  take(): Promise<Seated | undefined> {
    this.taking ??= this.elect().finally(() => (this.taking = undefined));
    return this.taking;
  }

  /** Leave: an owner ends its phone (after closing the link and the owner file, so another window takes over at once). */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.checkTimer);
    const seated = this.seated;
    this.seated = undefined;
    await seated?.dispose();
    this._onDidChange.dispose();
  }

  private async elect(): Promise<Seated | undefined> {
    const { lock, log } = this.options;
    let failures = 0;
    while (!this.disposed) {
      let claimed: OwnerRecord | undefined;
      try {
        claimed = await lock.claim();
      } catch (err) {
        // The storage folder cannot hold the owner file: a phone in this window alone beats none.
        log.warn(`the phone cannot be shared with other VS Code windows (${messageOf(err)}): this window runs its own`);
        return this.seat(await this.options.becomeOwner(await lock.standalone()));
      }
      try {
        const record = claimed;
        if (this.disposed) {
          await lock.release();
          return undefined;
        }
        if (record) {
          log.info(`this window owns the phone (link at ${record.endpoint})`);
          return this.seat(await this.options.becomeOwner(record));
        }
        const holder = await lock.liveHolder();
        if (!holder) continue; // it has just gone: claim again
        const remote = await RemotePhone.connect(holder, { focused: this.options.focused(), log });
        if (this.disposed) {
          remote.dispose();
          return undefined;
        }
        log.info(`the phone is owned by another VS Code window (process ${holder.pid}): this window shows it and sends it its commands`);
        remote.onClosed(() => void this.handOver(remote));
        return this.seat(this.options.becomeWindow(remote));
      } catch (err) {
        // The owner is still starting to listen, or refused us (another version): try again, slower each time.
        failures++;
        if (failures === 5) log.warn(`cannot link to the window that owns the phone yet: ${messageOf(err)}`);
        await delay(Math.min(100 * failures, 2000));
      }
    }
    return undefined;
  }

  private seat(seated: Seated): Seated {
    this.seated = seated;
    clearInterval(this.checkTimer);
    if (seated.role === "owner") {
      // Two windows that found the same dead owner could both have claimed; the one no longer named in the file stands down.
      this.checkTimer = setInterval(() => void this.checkStillOwner(seated), this.options.checkEveryMs ?? 5000);
    }
    this._onDidChange.fire(seated);
    return seated;
  }

  private async checkStillOwner(seated: Seated): Promise<void> {
    if (this.disposed || this.seated !== seated || (await this.options.lock.check()) === "ours") return;
    this.options.log.warn("another window has taken the phone over: this one stands down");
    clearInterval(this.checkTimer);
    this.seated = undefined;
    await seated.dispose().catch(() => undefined);
    await this.take();
  }

  private async handOver(remote: RemotePhone): Promise<void> {
    if (this.disposed || this.seated?.phone !== remote) return;
    this.options.log.info("the window that owned the phone has gone: electing a new owner");
    const seated = this.seated;
    this.seated = undefined;
    await seated.dispose().catch(() => undefined);
    await this.take();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
