// A minimal typed event emitter whose `event` has the same shape as `vscode.Event`, so core
// modules stay free of the `vscode` import yet plug straight into VS Code APIs.

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        // One faulty listener must not stop the others (or the SIP stack that fired).
        console.error("softphone: event listener failed", err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
