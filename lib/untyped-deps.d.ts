// Types for the two Express dependencies djust-lite calls directly and that ship without
// types (what Express's own `req.ip` and `res.location` use). Only the calls made here.

declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http';
  /** The client address of `req`: the socket address, or the nearest untrusted X-Forwarded-For hop. */
  function proxyaddr(req: IncomingMessage, trust: (address: string, hop: number) => boolean): string;
  export = proxyaddr;
}

declare module 'encodeurl' {
  /** Percent-encodes what a URL may not hold as is, leaving valid escapes alone. */
  function encodeUrl(url: string): string;
  export = encodeUrl;
}
