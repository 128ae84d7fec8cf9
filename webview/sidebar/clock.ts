// One shared one-second clock for timers, countdowns and relative times. It only ticks while
// something on screen is subscribed.
import { readable } from "svelte/store";

export const now = readable(Date.now(), (set) => {
  set(Date.now());
  const timer = setInterval(() => set(Date.now()), 1000);
  return () => clearInterval(timer);
});
