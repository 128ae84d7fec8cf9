// The local link between VS Code windows: the window that owns the phone (accounts, SIP, call
// window, history) and the others, which show its state and send it their commands. One JSON
// message per line over a Unix socket or a Windows named pipe (see src/phone/).
//
// Every method a window may run in the owner is one of `Phone`'s own methods, named here
// ("rooms.join" is phone.rooms.join); params are its arguments, the result its result, so the
// compiler checks both ends against the very interface the UI uses.
import type { Contact } from "../contacts/contactList";
import type { Phone, PhoneAlerts, PhoneMessages, PhoneRooms } from "../phone/phone";
import type { AccountView, CallView, SoftphoneState } from "./model";
import type { Lamp } from "./presence";
import type { ChannelSpec } from "./rpc";

/** Bumped when a message changes shape: windows of different versions do not link. */
export const PHONE_LINK_VERSION = 1;

type Fn = (...args: any[]) => any;
type MethodsOf<T, Prefix extends string = ""> = {
  [K in keyof T as T[K] extends Fn ? (K extends `on${string}` ? never : `${Prefix}${K & string}`) : never]: T[K] extends Fn ? T[K] : never;
};

/** The phone's methods another window may run, by name. Events and properties travel as snapshots and notes instead. */
export type RemoteMethods = Omit<MethodsOf<Phone>, SnapshotMethod> &
  Omit<MethodsOf<PhoneRooms, "rooms.">, "rooms.view"> &
  MethodsOf<PhoneMessages, "messages."> ;

/** Methods that read the state: answered from the mirrored snapshot in the other window, not over the link. */
export type SnapshotMethod = "getState" | "accountViews" | "callViews" | "currentCall" | "devices" | "dialInAddress";

/** Everything a window shows without asking: sent whole after every change. */
export interface PhoneSnapshot {
  state: SoftphoneState;
  accounts: AccountView[];
  calls: CallView[];
  contacts: Contact[];
  lamps: Record<string, Lamp>;
  settingsErrors: string[];
  roomsAvailable: boolean;
  callWindowConnected: boolean;
  room: ReturnType<PhoneRooms["view"]> | null;
  devices: ReturnType<Phone["devices"]>;
  dialInAddress?: string;
}

type EventValue<E> = E extends (listener: (value: infer T) => void) => unknown ? T : never;

/** What a window may ask of the owner. */
export type OwnerRequests = {
  [K in keyof RemoteMethods]: { params: Parameters<RemoteMethods[K]>; result: Awaited<ReturnType<RemoteMethods[K]>> };
} & {
  /** First message on a connection: the owner's token (from its lock file, readable only by this user) proves the window is ours. */
  hello: { params: { token: string; version: number; focused: boolean }; result: PhoneSnapshot };
};

/** What a window tells the owner. */
export type OwnerNotes = {
  /** The window gained or lost focus: notifications go to the window the user is in. */
  focus: { focused: boolean };
};

/** What the owner tells a window. */
export type WindowNotes = {
  snapshot: PhoneSnapshot;
  "history.changed": null;
  "messages.changed": null;
  "messages.received": EventValue<PhoneMessages["onDidReceive"]>;
  "devices.changed": EventValue<Phone["onDidChangeDevices"]>;
  /** Alerts: sent only to the window that is to show them. */
  "alert.incomingCall": EventValue<PhoneAlerts["onIncomingCall"]>;
  "alert.message": EventValue<PhoneAlerts["onMessage"]>;
  "alert.mediaError": EventValue<PhoneAlerts["onMediaError"]>;
  "alert.deviceFallback": EventValue<PhoneAlerts["onDeviceFallback"]>;
  "alert.roomNotice": EventValue<PhoneAlerts["onRoomNotice"]>;
};

/** The link seen from the owner. */
export interface OwnerSide extends ChannelSpec {
  inRequests: OwnerRequests;
  inNotes: OwnerNotes;
  outRequests: Record<string, never>;
  outNotes: WindowNotes;
}

/** The link seen from another window. */
export interface WindowSide extends ChannelSpec {
  inRequests: Record<string, never>;
  inNotes: WindowNotes;
  outRequests: OwnerRequests;
  outNotes: OwnerNotes;
}
