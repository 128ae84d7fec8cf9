// Which side of the DTLS handshake we take in an answer: pure, so it is unit-tested in Node.

/**
 * When the offerer lets us choose (a=setup:actpass), answer as the DTLS server (passive): the
 * offerer then starts the handshake once it has our answer. As the client (the browser's
 * default), we would send our ClientHello as soon as ICE connects — often before our answer has
 * travelled through VS Code and the SIP server to a browser offerer, which drops it; the
 * handshake then waits for DTLS's 1 s retransmission (seen as +1 s to the first video frame).
 */
export function passiveWhenAllowed<T extends { type?: string; sdp?: string }>(answer: T, remoteOffer: string | undefined): T {
  if (!answer.sdp || !remoteOffer || !/^a=setup:actpass\r?$/m.test(remoteOffer)) return answer;
  return { ...answer, sdp: answer.sdp.replace(/^a=setup:active(\r?)$/gm, "a=setup:passive$1") };
}

