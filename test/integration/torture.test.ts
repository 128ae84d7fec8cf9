// RFC 4475 torture messages sent at our account. Kamailio would drop much of this before it
// reached us, so the first part plays the registrar itself: an in-process SIP-over-WebSocket
// server (the `ws` package) that our account registers with, which then sends each torture
// message down that socket and records what we answer. The messages are the RFC's (section 3.1.1
// valid, 3.1.2 invalid, and a few of 3.3 application layer), adapted: the Request-URI is our
// contact, and Content-Length is computed unless the message is about a wrong one.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WebSocketServer, type WebSocket } from "ws";
import { Softphone } from "../../src/softphone";
import { consoleLogger } from "../../src/util/logger";
import { REPO } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

const CRLF = "\r\n";
const SDP = ["v=0", "o=mhandley 29739 7272939 IN IP4 192.0.2.3", "s=-", "c=IN IP4 192.0.2.4", "t=0 0", "m=audio 49217 RTP/AVP 0 12", "m=video 3227 RTP/AVP 31", "a=rtpmap:31 LPC", ""].join(CRLF);

/** What the RFC wants of an endpoint for the message (the outcomes it allows). */
type Expect = "answered" | "ring" | "400-or-ignore" | "ignore" | `${number}` | `${number}-or-ignore`;

interface Torture {
  /** The RFC's name for it, and section. */
  name: string;
  section: string;
  /** The message with $RURI (our contact) and $N (a serial, to keep Call-IDs apart); LF line ends. */
  text: string;
  /** Keep the Content-Length as written (the message is about it). */
  rawLength?: boolean;
  expect: Expect[];
}

// Line ends are CRLF on the wire; written here with \n. Header folding (a line starting with
// whitespace) is kept as it is in the RFC.
const TORTURES: Torture[] = [
  {
    // It has a To tag: a request within a dialog we don't have, so 481 (RFC 3261 12.2.2) is right.
    name: "wsinv",
    section: "3.1.1.1 short tortuous INVITE",
    text: `INVITE $RURI;unknownparam SIP/2.0
TO :
 $RURI ;   tag    = 1918181833n
from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>
  ;
  tag = 98asjd8
MaX-fOrWaRdS: 0068
Call-ID: wsinv.ndaksdj@192.0.2.1.$N
Content-Length   : 150
cseq: 0009
  INVITE
Via  : SIP  /   2.0
 /WS
    192.0.2.2;branch=z9hG4bK390skdjuw$N
s :
NewFangledHeader:   newfangled value
 continued newfangled value
UnknownHeaderWithUnusualValue: ;;,,;;,;
Content-Type: application/sdp
Route:
 <sip:services.example.com;lr;unknownwith=value;unknown-no-value>
v:  SIP  / 2.0  / TCP     spindle.example.com   ;
  branch  =   z9hG4bK9ikj8  ,
 SIP  /    2.0   / UDP  192.168.255.111   ; branch=
 z9hG4bK30239
m:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =
      newvalue ;
  secondparam ; q = 0.33

${SDP}`,
    expect: ["481"],
  },
  {
    name: "intmeth",
    section: "3.1.1.2 wide range of valid characters",
    text: `!interesting-Method0123456789_*+\`.%indeed'~ $RURI SIP/2.0
Via: SIP/2.0/WS host1.example.com;branch=z9hG4bK-.!%66*_+\`'~$N
To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>
From: token1~\` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439";tag=_token~1'+\`*%!-.
Call-ID: intmeth.word%ZK-!.*_+'@word\`~)(><:\\/"][?}{$N
CSeq: 139122385 !interesting-Method0123456789_*+\`.%indeed'~
Max-Forwards: 255
extensionHeader-!.%*+_\`'~:\ufeff\u5927\u505c\u96fb
Content-Length: 0

`,
    expect: ["501", "405", "400-or-ignore"],
  },
  {
    name: "esc01",
    section: "3.1.1.3 valid use of % escaping",
    text: `INVITE $RURI SIP/2.0
To: sip:%75se%72@example.com
From: <sip:I%20have%20spaces@example.net>;tag=938
Max-Forwards: 87
i: esc01.239409asdfakjkn23onasd0-3234.$N
CSeq: 234234 INVITE
Via: SIP/2.0/WS host5.example.net;branch=z9hG4bKkdjuw$N
C: application/sdp
Contact:
  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>
Content-Length: 150

${SDP}`,
    expect: ["ring", "answered"],
  },
  {
    name: "escnull",
    section: "3.1.1.4 escaped nulls in URIs (a REGISTER: we are no registrar)",
    text: `REGISTER sip:example.com SIP/2.0
To: sip:null-%00-null@example.com
From: sip:null-%00-null@example.com;tag=839923423
Max-Forwards: 70
Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd.$N
CSeq: 14398234 REGISTER
Via: SIP/2.0/WS host5.example.com;branch=z9hG4bKkdjuw$N
Contact: <sip:%00@host5.example.com>
Contact: <sip:%00%00@host5.example.com>
L:0

`,
    expect: ["405", "501", "answered"],
  },
  {
    name: "esc02",
    section: "3.1.1.5 % that is no escape (unknown method RE%47IST%45R)",
    text: `RE%47IST%45R $RURI SIP/2.0
To: "%Z%45" <sip:resource@example.com>
From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23
Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf.$N
Via: SIP/2.0/WS host.example.com;branch=z9hG4bK209%fzsnel234$N
CSeq: 29344 RE%47IST%45R
Max-Forwards: 70
Contact: <sip:alias1@host1.example.com>
C%6Fntact: <sip:alias2@host2.example.com>
Contact: <sip:alias3@host3.example.com>
l: 0

`,
    expect: ["501", "405"],
  },
  {
    name: "lwsdisp",
    section: "3.1.1.6 no LWS between display name and <",
    text: `OPTIONS $RURI SIP/2.0
To: sip:user@example.com
From: caller<sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID: lwsdisp.1234abcd@funky.example.com.$N
CSeq: 60 OPTIONS
Via: SIP/2.0/WS funky.example.com;branch=z9hG4bKkdjuw$N
l: 0

`,
    expect: ["200"],
  },
  {
    name: "longreq",
    section: "3.1.1.7 long values in header fields",
    text: `INVITE $RURI SIP/2.0
To: "I have a user name of ${"extreme".repeat(10)} proportion"<$RURI>
From: sip:amazinglylongcallername${"x".repeat(200)}@example.net;tag=12982982982982982982982982982982982982982982982982982982982982982982;unknownheaderparam${"name".repeat(20)}=unknowheaderparam${"value".repeat(20)};unknownValuelessparam${"name".repeat(20)}
Call-ID: longreq.one${"really".repeat(40)}longcallid.$N
CSeq: 3882340 INVITE
Unknown-${"Long".repeat(20)}-Name: unknown-${"long".repeat(20)}-value; unknown-${"long".repeat(20)}-parameter-name = unknown-${"long".repeat(20)}-parameter-value
Via: SIP/2.0/WS sip33.example.com;branch=z9hG4bK-${"long".repeat(30)}$N
${Array.from({ length: 30 }, (_, i) => `Via: SIP/2.0/TCP sip${i}.example.com;branch=z9hG4bK${i}long`).join("\n")}
Max-Forwards: 70
Contact: <sip:amazinglylongcallername${"x".repeat(200)}@host5.example.net>
Content-Type: application/sdp
l: 150

${SDP}`,
    expect: ["ring", "answered"],
  },
  {
    name: "dblreq",
    section: "3.1.1.8 extra trailing octets after the Content-Length (a REGISTER, then an INVITE as its 'body')",
    text: `REGISTER sip:example.com SIP/2.0
To: sip:j.user@example.com
From: sip:j.user@example.com;tag=43251j3j324
Max-Forwards: 8
I: dblreq.0ha0isndaksdj99sdfafnl3lk233412.$N
Contact: sip:j.user@host.example.com
CSeq: 8 REGISTER
Via: SIP/2.0/WS 192.0.2.125;branch=z9hG4bKon23k123$N
Content-Length: 0

INVITE sip:joe@example.com SIP/2.0
t: sip:joe@example.com
From: sip:caller@example.net;tag=141334
Max-Forwards: 8
Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15
CSeq: 8 INVITE
Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234
Content-Type: application/sdp
Content-Length: 150

${SDP}`,
    rawLength: true,
    expect: ["405", "501", "400-or-ignore"],
  },
  {
    name: "semiuri",
    section: "3.1.1.9 semicolon-separated parameters in a URI user part",
    text: `OPTIONS $RURI SIP/2.0
To: sip:user;par=u%40example.net@example.com
From: sip:caller@example.org;tag=33242
Max-Forwards: 3
Call-ID: semiuri.0ha0isndaksdj.$N
CSeq: 8 OPTIONS
Accept: application/sdp, application/pkcs7-mime,
        multipart/mixed, multipart/signed,
        message/sip, message/sipfrag
Via: SIP/2.0/WS 192.0.2.1;branch=z9hG4bKkdjuw$N
l: 0

`,
    expect: ["200"],
  },
  {
    name: "transports",
    section: "3.1.1.10 varied and unknown transport types",
    text: `OPTIONS $RURI SIP/2.0
To: sip:user@example.com
From: <sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID:  transports.kijh4akdnaqjkwendsasfdj.$N
Accept: application/sdp
CSeq: 60 OPTIONS
Via: SIP/2.0/WS t1.example.com;branch=z9hG4bKkdjuw$N
Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf
Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj
Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en
Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee
l: 0

`,
    expect: ["200"],
  },
  {
    name: "mpart01",
    section: "3.1.1.11 multipart MIME body (a MESSAGE here: we take MESSAGEs)",
    text: `MESSAGE $RURI SIP/2.0
Via: SIP/2.0/WS 192.0.2.1;branch=z9hG4bK2aSl$N
Max-Forwards: 70
From: <sip:mpart@example.com>;tag=zGr7sBnBW5JI3bvC
To: <sip:user@example.com>
Call-ID: mpart01.OQ8k7e1nhiBQ.$N
CSeq: 1 MESSAGE
Content-Type: multipart/mixed;boundary=unique-boundary-1
Content-Length: 0

--unique-boundary-1
Content-Type: text/plain

hello from mpart01
--unique-boundary-1
Content-Type: application/octet-stream

\u0001\u0002binary-ish
--unique-boundary-1--
`,
    expect: ["200", "202", "415", "answered"],
  },
  {
    name: "unreason",
    section: "3.1.1.12 unusual reason phrase (a stray response: no transaction of ours)",
    text: `SIP/2.0 200 = 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435
Via: SIP/2.0/WS 192.0.2.198;branch=z9hG4bK1324923$N
Call-ID: unreason.1234ksdfak3j2erwedfsASdf.$N
CSeq: 35 INVITE
From: sip:user@example.com;tag=11141343
To: sip:user@example.edu;tag=2229
Content-Type: application/sdp
Contact: <sip:user@host198.example.com>
Content-Length: 0

`,
    expect: ["ignore"],
  },
  {
    name: "noreason",
    section: "3.1.1.13 empty reason phrase (a stray response)",
    text: `SIP/2.0 100 
Via: SIP/2.0/WS 192.0.2.105;branch=z9hG4bK2398ndaoe$N
Call-ID: noreason.asndj203insdf99223ndf.$N
CSeq: 35 INVITE
From: <sip:user@example.com>;tag=39ansfi3
To: <sip:user@example.edu>;tag=902jndnke3
Content-Length: 0

`,
    expect: ["ignore"],
  },
  // 3.1.2 invalid messages
  {
    name: "badinv01",
    section: "3.1.2.1 extraneous header field separators",
    text: `INVITE $RURI SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=134161461246
Max-Forwards: 7
Call-ID: badinv01.0ha0isndaksdjasdf3234nas.$N
CSeq: 8 INVITE
Via: SIP/2.0/WS 192.0.2.15;;,;,,
Contact: "Joe" <sip:joe@example.org>;;;;
Content-Length: 152
Content-Type: application/sdp

${SDP}`,
    expect: ["400-or-ignore"],
  },
  {
    name: "clerr",
    section: "3.1.2.2 Content-Length larger than the message",
    text: `INVITE $RURI SIP/2.0
Max-Forwards: 80
To: sip:j.user@example.com
From: sip:caller@example.net;tag=93942939o2
Contact: <sip:caller@hungry.example.net>
Call-ID: clerr.0ha0isndaksdjweiafasdk3.$N
CSeq: 8 INVITE
Via: SIP/2.0/WS host5.example.com;branch=z9hG4bK-39234-23523$N
Content-Type: application/sdp
Content-Length: 9999

${SDP}`,
    rawLength: true,
    expect: ["400-or-ignore"],
  },
  {
    name: "scalar02",
    section: "3.1.2.3 negative Content-Length",
    text: `INVITE $RURI SIP/2.0
Max-Forwards: 254
To: sip:j.user@example.com
From: sip:caller@example.net;tag=32394234
Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32.$N
CSeq: 8 INVITE
Via: SIP/2.0/WS host5.example.com;branch=z9hG4bKkdjuw$N
Contact: <sip:caller@host5.example.net>
Content-Type: application/sdp
Content-Length: -999

${SDP}`,
    rawLength: true,
    expect: ["400-or-ignore"],
  },
  {
    name: "scalarlg",
    section: "3.1.2.4 request scalar fields with overlarge values",
    text: `REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/WS host129.example.com;branch=z9hG4bK342sdfoi3$N
To: <sip:user@example.com>
From: <sip:user@example.com>;tag=239232jh3
CSeq: 36893488147419103232 REGISTER
Call-ID: scalarlg.saladkjfasd9234j3.$N
Max-Forwards: 300
Expires: 1${"0".repeat(40)}
Contact: <sip:user@host129.example.com>
  ;expires=280297596632815
Content-Length: 0

`,
    expect: ["400-or-ignore"],
  },
  {
    name: "quotbal",
    section: "3.1.2.5 unterminated quoted string in display name",
    text: `INVITE $RURI SIP/2.0
To: "Mr. J. User <sip:j.user@example.com>
From: sip:caller@example.net;tag=93334
Max-Forwards: 10
Call-ID: quotbal.aksdj.$N
Contact: <sip:caller@host59.example.net>
CSeq: 8 INVITE
Via: SIP/2.0/WS 192.0.2.59:5050;branch=z9hG4bKkdjuw39234$N
Content-Type: application/sdp
Content-Length: 152

${SDP}`,
    expect: ["400-or-ignore"],
  },
  {
    name: "ltgtruri",
    section: "3.1.2.6 <> enclosing the Request-URI",
    text: `INVITE <$RURI> SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=39291
Max-Forwards: 23
Call-ID: ltgtruri.1@192.0.2.5.$N
CSeq: 1 INVITE
Via: SIP/2.0/WS 192.0.2.5;branch=z9hG4bKkdjuw$N
Contact: <sip:caller@host5.example.net>
Content-Type: application/sdp
Content-Length: 159

${SDP}`,
    expect: ["400-or-ignore"],
  },
  {
    name: "lwsruri",
    section: "3.1.2.7 embedded LWS in the Request-URI",
    text: `INVITE $RURI ;lr SIP/2.0
To: sip:user@example.com;tag=3xfe-9921883-z9f
From: sip:caller@example.net;tag=231413434
Max-Forwards: 5
Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423.$N
CSeq: 2130706432 INVITE
Via: SIP/2.0/WS 192.0.2.1:5060;branch=z9hG4bKkdjuw2395$N
Contact: <sip:caller@host1.example.net>
Content-Type: application/sdp
Content-Length: 159

${SDP}`,
    expect: ["400-or-ignore"],
  },
  {
    name: "lwsstart",
    section: "3.1.2.8 multiple SP separating Request-Line elements",
    text: `INVITE  $RURI  SIP/2.0
Max-Forwards: 8
To: sip:user@example.com
From: sip:caller@example.net;tag=8814
Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com.$N
CSeq: 1893884 INVITE
Via: SIP/2.0/WS host1.example.com;branch=z9hG4bKkdjuw3923$N
Contact: <sip:caller@host1.example.net>
Content-Type: application/sdp
Content-Length: 150

${SDP}`,
    expect: ["400-or-ignore"],
  },
  {
    name: "trws",
    section: "3.1.2.9 SP after the SIP-Version",
    text: `OPTIONS $RURI SIP/2.0 
To: sip:remote-target@example.com
From: <sip:local-resource@example.com>;tag=329429089
Call-ID: trws.oicu34958239neffasdhr2345r.$N
Accept: application/sdp
CSeq: 238923 OPTIONS
Via: SIP/2.0/WS host1.example.com;branch=z9hG4bK230f2.1$N
Max-Forwards: 70
Content-Length: 0

`,
    expect: ["400-or-ignore"],
  },
  {
    name: "escruri",
    section: "3.1.2.10 escaped headers in a SIP Request-URI",
    text: `INVITE $RURI?Route=%3Csip:example.com%3E SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=341518
Max-Forwards: 7
Contact: <sip:caller@host39923.example.net>
Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5.$N
CSeq: 149209342 INVITE
Via: SIP/2.0/WS host-of-the-hour.example.com;branch=z9hG4bKkdjuw$N
Content-Type: application/sdp
Content-Length: 150

${SDP}`,
    expect: ["400-or-ignore"],
  },
  {
    name: "baddate",
    section: "3.1.2.11 invalid time zone in Date (may be accepted)",
    text: `INVITE $RURI SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=2234923
Max-Forwards: 70
Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234.$N
CSeq: 1392934 INVITE
Via: SIP/2.0/WS host.example.com;branch=z9hG4bKkdjuw$N
Date: Fri, 01 Jan 2010 16:00:00 EST
Contact: <sip:caller@host5.example.net>
Content-Type: application/sdp
Content-Length: 150

${SDP}`,
    expect: ["ring", "400-or-ignore"],
  },
  {
    name: "regbadct",
    section: "3.1.2.12 REGISTER with a Contact URI holding an unquoted ,",
    text: `REGISTER sip:example.com SIP/2.0
To: sip:user@example.com
From: sip:user@example.com;tag=998332
Max-Forwards: 70
Call-ID: regbadct.k345asrl3fdbv@10.0.0.1.$N
CSeq: 1 REGISTER
Via: SIP/2.0/WS 135.180.130.133:5060;branch=z9hG4bKkdjuw$N
Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E
l: 0

`,
    expect: ["400-or-ignore", "405", "501"],
  },
  {
    name: "badaspec",
    section: "3.1.2.13 spaces within addr-spec",
    text: `OPTIONS $RURI SIP/2.0
Via: SIP/2.0/WS host4.example.com:5060;branch=z9hG4bKkdju43234$N
Max-Forwards: 70
From: "Bell, Alexander" <sip:a.g.bell@example.com>;tag=433423
To: "Watson, Thomas" < sip:t.watson@example.org >
Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3.$N
Accept: application/sdp
CSeq: 3923239 OPTIONS
l: 0

`,
    expect: ["400-or-ignore", "200"],
  },
  {
    name: "baddn",
    section: "3.1.2.14 non-token characters in an unquoted display name",
    text: `OPTIONS $RURI SIP/2.0
Via: SIP/2.0/WS host4.example.com:5060;branch=z9hG4bKkdju43234$N
Max-Forwards: 70
From: Bell, Alexander <sip:a.g.bell@example.com>;tag=433423
To: Watson, Thomas <sip:t.watson@example.org>
Call-ID: baddn.31415@c.example.com.$N
Accept: application/sdp
CSeq: 3923239 OPTIONS
l: 0

`,
    expect: ["400-or-ignore"],
  },
  {
    name: "badvers",
    section: "3.1.2.15 unknown protocol version SIP/7.0",
    text: `OPTIONS $RURI SIP/7.0
Via: SIP/7.0/WS host4.example.com;branch=z9hG4bKkdju43234$N
Max-Forwards: 70
From: A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe
To: T. Watson <sip:t.watson@example.org>
Call-ID: badvers.31417@c.example.com.$N
CSeq: 1 OPTIONS
l: 0

`,
    expect: ["505", "400-or-ignore"],
  },
  {
    name: "mismatch01",
    section: "3.1.2.16 start line and CSeq method mismatch",
    text: `OPTIONS $RURI SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 6
Call-ID: mismatch01.dj0234sxdfl3.$N
CSeq: 8 INVITE
Via: SIP/2.0/WS host.example.com;branch=z9hG4bKkdjuw$N
l: 0

`,
    expect: ["400-or-ignore"],
  },
  {
    name: "mismatch02",
    section: "3.1.2.17 unknown method with a CSeq method mismatch",
    text: `NEWMETHOD $RURI SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 6
Call-ID: mismatch02.dj0234sxdfl3.$N
CSeq: 8 INVITE
Contact: <sip:caller@host.example.net>
Via: SIP/2.0/WS host.example.net;branch=z9hG4bKkdjuw$N
Content-Type: application/sdp
l: 138

${SDP}`,
    expect: ["400-or-ignore", "501"],
  },
  {
    name: "multi01",
    section: "3.1.2.18 multiple values in single-value required headers",
    text: `INVITE $RURI SIP/2.0
Via: SIP/2.0/WS 192.0.2.25;branch=z9hG4bKvasdl$N
Max-Forwards: 70
CSeq: 5 INVITE
Call-ID: multi01.98asdh@192.0.2.1.$N
CSeq: 59 INVITE
Call-ID: multi01.98asdh@192.0.2.2.$N
From: sip:caller@example.com;tag=3413415
To: sip:user@example.com
To: sip:other@example.net
From: sip:caller@example.net;tag=2923420123
Content-Type: application/sdp
l: 154
Contact: <sip:caller@host.example.net>
Max-Forwards: 5

${SDP}`,
    expect: ["400-or-ignore"],
  },
  {
    name: "mcl01",
    section: "3.1.2.19 multiple Content-Length values",
    text: `OPTIONS $RURI SIP/2.0
Via: SIP/2.0/WS host5.example.net;branch=z9hG4bK293423$N
To: sip:user@example.com
From: sip:other@example.net;tag=3923942
Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf.$N
CSeq: 15932 OPTIONS
Content-Length: 13
Max-Forwards: 60
Content-Length: 5
Content-Type: text/plain

There's no way to know how many octets are supposed to be here.
`,
    rawLength: true,
    expect: ["400-or-ignore"],
  },
  {
    name: "bcast",
    section: "3.1.2.20 response with a broadcast Via (a stray response)",
    text: `SIP/2.0 200 OK
Via: SIP/2.0/WS 192.0.2.198;branch=z9hG4bK1324923$N
Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23
Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf.$N
CSeq: 35 INVITE
From: sip:user@example.com;tag=11141343
To: sip:user@example.edu;tag=2229
Content-Length: 154
Content-Type: application/sdp
Contact: <sip:user@host28.example.com>

${SDP}`,
    expect: ["ignore"],
  },
  {
    name: "bext01",
    section: "3.3.5 unknown extension in Require",
    text: `OPTIONS $RURI SIP/2.0
To: sip:j_user@example.com
From: sip:caller@example.net;tag=242etr
Max-Forwards: 6
Call-ID: bext01.0ha0isndaksdj.$N
Require: nothingSupportedHere
CSeq: 8 OPTIONS
Via: SIP/2.0/WS host.example.net;branch=z9hG4bKkdjuw$N
l: 0

`,
    expect: ["420"],
  },
  {
    name: "invut",
    section: "3.3.7 INVITE with an unknown Content-Type",
    text: `INVITE $RURI SIP/2.0
Contact: <sip:caller@host5.example.net>
To: sip:j.user@example.com
From: sip:caller@example.net;tag=8392034
Max-Forwards: 70
Call-ID: invut.0ha0isndaksdjadsfij34n23d.$N
CSeq: 235448 INVITE
Via: SIP/2.0/WS somehost.example.com;branch=z9hG4bKkdjuw$N
Content-Type: application/unknownformat
Content-Length: 40

<audio> <pcmu port="443"/> </audio>
`,
    expect: ["415", "488", "400-or-ignore"],
  },
  {
    name: "unksm",
    section: "3.3.1 unknown scheme in the Request-URI",
    text: `OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=384
Max-Forwards: 3
Call-ID: unksm.nqwobvn.$N
CSeq: 3923423 OPTIONS
Via: SIP/2.0/WS host9.example.com;branch=z9hG4bKkdjuw39234$N
Content-Length: 0

`,
    expect: ["416", "400-or-ignore", "404"],
  },
  {
    name: "insuf",
    section: "3.1.2 / 3.3.x missing Call-ID, From and To",
    text: `INVITE $RURI SIP/2.0
CSeq: 193942 INVITE
Via: SIP/2.0/WS 192.0.2.95;branch=z9hG4bKkdj.insuf$N
Content-Type: application/sdp
l: 152

${SDP}`,
    expect: ["400-or-ignore"],
  },
  {
    name: "inv2543",
    section: "3.4.1 RFC 2543 INVITE (no branch, no tag)",
    text: `INVITE $RURI SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net
Call-ID: inv2543.1717@ieee.org.$N
CSeq: 1 INVITE
Via: SIP/2.0/WS 192.0.2.75
Contact: <sip:caller@host75.example.net>
Content-Type: application/sdp
Content-Length: 151

${SDP}`,
    expect: ["ring", "answered", "400-or-ignore"],
  },
];

/**
 * Where we answer otherwise than the RFC asks, harmlessly. sip.js alone had seven such leniencies
 * (another SIP version, a CSeq of another method, duplicated single headers, an unknown Require,
 * headers in the Request-URI: each taken as if well formed); src/sip/requestCheck.ts now
 * answers them as the RFC says, before sip.js sees them. Asserted exactly: a change either way shows.
 */
const KNOWN_DEVIATIONS: Record<string, string> = {};

/** One SIP message as the test server sees it: start line and headers (names lower-cased, folded lines joined). */
function parseSip(text: string): { start: string; headers: Map<string, string[]>; body: string } {
  const cut = text.indexOf("\r\n\r\n");
  const head = (cut >= 0 ? text.slice(0, cut) : text).replace(/\r\n[ \t]+/g, " ");
  const [start, ...lines] = head.split("\r\n");
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return { start: start ?? "", headers, body: cut >= 0 ? text.slice(cut + 4) : "" };
}

const header = (m: ReturnType<typeof parseSip>, ...names: string[]) => names.map((n) => m.headers.get(n)?.[0]).find((v) => v !== undefined);

/** The torture message as sent: CRLF line ends, our contact, a serial, Content-Length fixed unless the point. */
function render(t: Torture, ruri: string, serial: number): string {
  const text = t.text.replaceAll("$RURI", ruri).replaceAll("$N", String(serial)).replace(/\r?\n/g, CRLF);
  if (t.rawLength) return text;
  const cut = text.indexOf(CRLF + CRLF);
  if (cut < 0) return text;
  const body = text.slice(cut + 4);
  const length = Buffer.byteLength(body);
  // Replace the value of the (only) Content-Length / l header, keeping its odd spacing.
  return text.slice(0, cut).replace(/^((?:Content-Length|l)[ \t]*:[ \t]*)\d+/im, `$1${length}`) + CRLF + CRLF + body;
}

/**
 * The registrar and torturer: answers our REGISTERs 200 (with the Contact they carry), records
 * every other message from us by Call-ID, and sends what the test asks down the socket.
 */
class TortureServer {
  readonly wss: WebSocketServer;
  socket: WebSocket | undefined;
  contact: string | undefined;
  registers = 0;
  readonly fromUs: Array<{ at: number; message: ReturnType<typeof parseSip>; raw: string }> = [];

  constructor() {
    this.wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: () => "sip" });
    this.wss.on("connection", (ws) => {
      this.socket = ws;
      ws.on("message", (data) => this.receive(ws, data.toString()));
    });
  }

  get url(): Promise<string> {
    return new Promise((resolve) => {
      const addr = () => `ws://127.0.0.1:${(this.wss.address() as { port: number }).port}`;
      if (this.wss.address()) resolve(addr());
      else this.wss.once("listening", () => resolve(addr()));
    });
  }

  private receive(ws: WebSocket, raw: string): void {
    if (raw === "\r\n\r\n" || raw === "\r\n") return;
    const m = parseSip(raw);
    if (m.start.startsWith("REGISTER ")) {
      this.registers++;
      const contact = header(m, "contact", "m")!;
      this.contact = /<([^>]+)>/.exec(contact)?.[1];
      ws.send(this.response(m, "200 OK", [`Contact: ${contact};expires=600`, "Expires: 600"]));
      return;
    }
    this.fromUs.push({ at: Date.now(), message: m, raw });
  }

  /** A response to request `m`, echoing its Via, From, To (tagged), Call-ID and CSeq. */
  response(m: ReturnType<typeof parseSip>, status: string, extra: string[] = []): string {
    const to = header(m, "to", "t")!;
    return [
      `SIP/2.0 ${status}`,
      ...(m.headers.get("via") ?? m.headers.get("v") ?? []).map((v) => `Via: ${v}`),
      `From: ${header(m, "from", "f")}`,
      `To: ${/;\s*tag=/.test(to) ? to : `${to};tag=torture-registrar`}`,
      `Call-ID: ${header(m, "call-id", "i")}`,
      `CSeq: ${header(m, "cseq")}`,
      ...extra,
      "Content-Length: 0",
      "",
      "",
    ].join(CRLF);
  }

  send(text: string): void {
    this.socket!.send(text);
  }

  /** Our messages about `callId` since `since` (responses: their status codes). */
  answersTo(callId: string, since: number): string[] {
    return this.fromUs
      .filter((e) => e.at >= since && header(e.message, "call-id", "i") === callId)
      .map((e) => (e.message.start.startsWith("SIP/2.0 ") ? e.message.start.split(" ")[1]! : e.message.start.split(" ")[0]!));
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

describe("RFC 4475 torture messages at our account (in-process registrar over WebSocket)", function () {
  this.timeout(120000);
  let server: TortureServer;
  let phone: Softphone;
  let dir: string;
  const delay = monitorEventLoopDelay({ resolution: 10 });

  before(async () => {
    server = new TortureServer();
    dir = mkdtempSync(join(process.env.SOFTPHONE_RUN_DIR ?? tmpdir(), "it-torture-"));
    const log = process.env.PHONE_LOG ? consoleLogger("torture") : { ...consoleLogger("torture"), info: () => undefined, warn: () => undefined, trace: () => undefined };
    phone = new Softphone({
      log,
      historyDir: join(dir, "history"),
      webviewDir: join(REPO, "dist/webview"),
      mediaDir: join(REPO, "media"),
      password: async () => "torture",
      // No call is answered here: a call window is never needed.
      openWindow: async () => undefined,
      settings: () => ({ sipTrace: false, dtmfMode: "rfc4733" }),
      callWindowPort: 0,
      fallbackRinger: { start: () => undefined, stop: () => undefined },
    });
    await phone.start([{ id: "alice", label: "alice", server: await server.url, uri: "sip:alice@torture.example", register: true }]);
    await waitFor("alice registered at the torture server", () => phone.getState().accounts.find((a) => a.id === "alice")?.state === "registered", 10000);
    assert.ok(server.contact, "our REGISTER carried a Contact");
  });

  after(async () => {
    delay.disable();
    // The declined calls' history records land before the directory goes.
    if (phone) await Promise.all(phone.calls.views().map((c) => phone.calls.historySettled(c.id).catch(() => undefined)));
    await phone?.dispose().catch(() => undefined);
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers or ignores each torture message as the RFC allows, and stays registered, responsive and able to take a call", async () => {
    const ruri = server.contact!;
    const rows: Array<{ name: string; section: string; known: boolean; expect: string; answered: string; ok: boolean }> = [];
    delay.enable();
    let serial = 0;
    for (const t of TORTURES) {
      serial++;
      const text = render(t, ruri, serial);
      const callId = header(parseSip(text), "call-id", "i");
      const sentAt = Date.now();
      const ringingBefore = new Set(phone.calls.views().filter((c) => c.state === "ringing").map((c) => c.id));
      server.send(text);
      // Responses come within milliseconds; a second is plenty to call a message ignored.
      await sleep(t.expect.some((e) => e === "ring") ? 600 : 400);
      let answers = callId !== undefined ? server.answersTo(callId, sentAt) : [];
      const rang = phone.calls.views().filter((c) => c.state === "ringing" && !ringingBefore.has(c.id));
      for (const call of rang) await phone.calls.decline(call.id);
      if (rang.length > 0) {
        await sleep(200);
        answers = callId !== undefined ? server.answersTo(callId, sentAt) : answers;
      }
      const finals = answers.filter((a) => /^[2-6]\d\d$/.test(a));
      const outcome = rang.length > 0 ? "ring" : finals.length > 0 ? finals[0]! : answers.length > 0 ? answers.join(",") : "ignore";
      const ok = t.expect.some((e) => {
        if (e === "ring") return rang.length > 0;
        if (e === "answered") return finals.length > 0 && !finals[0]!.startsWith("5");
        if (e === "ignore") return answers.length === 0 && rang.length === 0;
        if (e === "400-or-ignore") return rang.length === 0 && (answers.length === 0 || finals[0] === "400");
        if (e.endsWith("-or-ignore")) return rang.length === 0 && (answers.length === 0 || finals[0] === e.split("-")[0]);
        return finals[0] === e;
      }) || (!t.text.includes("$RURI") && finals[0] === "404"); // RFC 3261 8.2.2.1: a Request-URI not ours may be refused first
      
      const known = KNOWN_DEVIATIONS[t.name];
      rows.push({ name: t.name, section: t.section, known: known !== undefined, expect: t.expect.join(" | "), answered: `${outcome}${rang.length > 0 ? ` (100/180 ${answers.join(",")})` : answers.length > 1 ? ` (${answers.join(",")})` : ""}`, ok });
      assert.equal(phone.getState().accounts.find((a) => a.id === "alice")?.state, "registered", `still registered after ${t.name}`);
    }
    delay.disable();

    console.log("\n    RFC 4475 message → our answer");
    console.log(`    ${"name".padEnd(11)} ${"answered".padEnd(28)} ${"RFC allows".padEnd(34)} section`);
    for (const r of rows) console.log(`    ${r.ok ? " " : r.known ? "~" : "✗"}${r.name.padEnd(10)} ${r.answered.padEnd(28)} ${r.expect.padEnd(34)} ${r.section}`);
    console.log(`    event loop: longest stall ${Math.round(delay.max / 1e6)} ms over ${rows.length} messages`);

    // No hang: the host's event loop never stalled on a message.
    // Generous: others load this machine; a hang would be the seconds a message goes unanswered.
    assert.ok(delay.max / 1e6 < 2000, `the event loop stalled ${Math.round(delay.max / 1e6)} ms`);
    console.log("    (✗ the RFC doesn't allow it; ~ a known, harmless deviation, see KNOWN_DEVIATIONS)");
    const wrong = rows.filter((r) => !r.ok).map((r) => `${r.name}: ${r.answered.split(" ")[0]}`);
    assert.deepEqual(wrong, Object.entries(KNOWN_DEVIATIONS).map(([name, answer]) => `${name}: ${answer}`), "answers the RFC doesn't allow, beyond the known deviations");

    // Still alive afterwards: connected and registered, answers an OPTIONS, a refresh
    // REGISTER goes through, and an ordinary INVITE rings.
    assert.equal(phone.getState().accounts.find((a) => a.id === "alice")?.state, "registered");
    const optionsAt = Date.now();
    server.send(render({ name: "after", section: "", expect: [], text: `OPTIONS ${ruri} SIP/2.0\nVia: SIP/2.0/WS 192.0.2.9;branch=z9hG4bKafter1\nTo: <${ruri}>\nFrom: <sip:tester@example.com>;tag=a1\nCall-ID: after-options\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n` }, ruri, 0));
    await waitFor("200 to the OPTIONS after the torture", () => server.answersTo("after-options", optionsAt).includes("200"), 3000);
    const registers = server.registers;
    await phone.reconnect("alice");
    await waitFor("a fresh REGISTER answered", () => server.registers > registers && phone.getState().accounts.find((a) => a.id === "alice")?.state === "registered", 5000);
    const invite = `INVITE ${ruri} SIP/2.0\nVia: SIP/2.0/WS 192.0.2.9;branch=z9hG4bKafter2\nTo: <${ruri}>\nFrom: "After" <sip:after@example.com>;tag=a2\nCall-ID: after-invite\nCSeq: 1 INVITE\nMax-Forwards: 70\nContact: <sip:after@192.0.2.9;transport=ws>\nContent-Type: application/sdp\nContent-Length: 0\n\n${SDP}`;
    server.send(render({ name: "after", section: "", expect: [], text: invite }, ruri, 0));
    const call = await waitFor("the ordinary INVITE after the torture rings", () => phone.calls.views().find((c) => c.state === "ringing" && c.remote.uri === "sip:after@example.com"), 3000);
    await phone.calls.decline(call.id);
  });
});
