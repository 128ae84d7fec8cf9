// Logging seam: the host wires it to a VS Code LogOutputChannel, tests to the console.
// Callers never pass secrets; `redact` is the last line of defence for SIP traces.

export interface Logger {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger = (prefix = "softphone"): Logger => ({
  trace: () => undefined,
  info: (m) => console.log(`[${prefix}] ${m}`),
  warn: (m) => console.warn(`[${prefix}] WARN ${m}`),
  error: (m) => console.error(`[${prefix}] ERROR ${m}`),
});

/** Strip credentials from a SIP message before it is logged. */
export function redactSip(message: string): string {
  return message.replace(/^((?:Proxy-)?Authorization:\s*Digest\s+)(.*)$/gim, (_m, head: string, rest: string) => {
    return head + rest.replace(/response="[^"]*"/i, 'response="…"');
  });
}
