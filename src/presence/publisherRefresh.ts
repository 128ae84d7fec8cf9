// sip.js's Publisher, minus one way to crash the extension host. Its refresh runs from a timer
// and throws ("Etag undefined") when it fires holding no ETag — which happens: two PUBLISHes
// answered close together each arm a refresh timer and only the last is remembered, so after
// dispose() (or a failed PUBLISH) clears the ETag, the forgotten timer still fires (seen after a
// registrar restart). A throw from a timer is an uncaught exception in the extension host. Here
// a refresh that cannot be made is dropped and reported; the owner publishes afresh.
import type { Publisher } from "sip.js";

/** Make `publisher`'s timed refresh report its failure to `onFailed` instead of throwing. */
export function guardRefresh(publisher: Publisher, onFailed: (err: unknown) => void): Publisher {
  // sip.js's timer calls this.refreshRequest() (private in its typings): the instance's own wins.
  const p = publisher as unknown as { refreshRequest(): void };
  const refresh = p.refreshRequest.bind(publisher);
  p.refreshRequest = () => {
    try {
      refresh();
    } catch (err) {
      onFailed(err);
    }
  };
  return publisher;
}
