// Child processes the tests fork as workers (a second writer of the history, a holder of its
// lock): they report over the IPC channel as { type, message? }.
import type { ChildProcess } from "node:child_process";

/** Resolves when the worker sends `type`; rejects on its "error" message or its exit before that. */
export function nextMessage(child: ChildProcess, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === type) {
        cleanup();
        resolve();
      } else if (m.type === "error") {
        cleanup();
        reject(new Error(`worker failed: ${m.message}`));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`worker exited (${code}) before "${type}"`));
    };
    const cleanup = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/** Resolves with the worker's exit code (null when a signal ended it) once it has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
