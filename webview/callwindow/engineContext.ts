// How components reach the page's one engine: Svelte context, given to mount() by main.ts.
import { getContext } from "svelte";
import type { Engine } from "./engine";

const KEY = Symbol("call-window-engine");

/** The context for mount(App, { context }). */
export function engineContext(engine: Engine): Map<symbol, Engine> {
  return new Map([[KEY, engine]]);
}

export function useEngine(): Engine {
  const engine = getContext<Engine | undefined>(KEY);
  if (!engine) throw new Error("call window component mounted without an engine (see main.ts)");
  return engine;
}
