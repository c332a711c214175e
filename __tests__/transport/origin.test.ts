/**
 * originAllowed: the page's own origin (its Host, or under `trust proxy` the public origin from
 * X-Forwarded-Host/-Proto, as Express computes req.host and req.protocol), allowedOrigins, or
 * no Origin at all.
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { originAllowed } from '../../lib/transport/origin';
import type { TrustFunction } from '../../lib/transport/client-address';

function req(headers: Record<string, string>, remoteAddress = '127.0.0.1', encrypted = false): IncomingMessage {
  return { headers, socket: { remoteAddress, encrypted } } as unknown as IncomingMessage;
}

/** Express's compiled trust function for a `trust proxy` value. */
function trustOf(value: unknown): { trust: TrustFunction } {
  const app = express();
  app.set('trust proxy', value);
  return { trust: app.get('trust proxy fn') as TrustFunction };
}

const none = new Set<string>();
const proxied = { host: '127.0.0.1:3000', 'x-forwarded-host': 'public.example', 'x-forwarded-proto': 'https' };

describe('originAllowed', () => {
  it('accepts no Origin, the request’s own host, and allowedOrigins; refuses others', () => {
    expect(originAllowed(req({ host: 'a.example' }), none)).toBe(true);
    expect(originAllowed(req({ host: 'a.example', origin: 'http://a.example' }), none)).toBe(true);
    expect(originAllowed(req({ host: 'a.example', origin: 'https://evil.example' }), none)).toBe(false);
    expect(originAllowed(req({ host: 'a.example', origin: 'https://b.example' }), new Set(['https://b.example']))).toBe(true);
    expect(originAllowed(req({ host: 'a.example', origin: 'null' }), none)).toBe(false);
  });

  describe('behind a proxy', () => {
    it('ignores X-Forwarded-Host/-Proto without trust proxy', () => {
      const r = req({ ...proxied, origin: 'https://public.example' });
      expect(originAllowed(r, none)).toBe(false);
      expect(originAllowed(r, none, trustOf(false))).toBe(false);
      expect(originAllowed(req({ ...proxied, origin: 'http://127.0.0.1:3000' }), none, trustOf(false))).toBe(true);
    });

    it('accepts the public origin under trust proxy, as req.protocol and req.host compute it', () => {
      const trust = trustOf('loopback');
      expect(originAllowed(req({ ...proxied, origin: 'https://public.example' }), none, trust)).toBe(true);
      expect(originAllowed(req({ ...proxied, 'x-forwarded-host': 'public.example:443', origin: 'https://public.example' }), none, trust)).toBe(true);
      expect(originAllowed(req({ ...proxied, 'x-forwarded-host': 'public.example, inner.example', 'x-forwarded-proto': 'https, http', origin: 'https://public.example' }), none, trust)).toBe(true);
      expect(originAllowed(req({ ...proxied, origin: 'http://public.example' }), none, trust)).toBe(false); // scheme differs
      expect(originAllowed(req({ ...proxied, origin: 'https://evil.example' }), none, trust)).toBe(false);
      expect(originAllowed(req({ ...proxied, origin: 'http://127.0.0.1:3000' }), none, trust)).toBe(false); // Express uses X-Forwarded-Host
    });

    it('without X-Forwarded-Proto takes the socket’s scheme', () => {
      const trust = trustOf(true);
      const { 'x-forwarded-proto': _, ...noProto } = proxied;
      expect(originAllowed(req({ ...noProto, origin: 'http://public.example' }), none, trust)).toBe(true);
      expect(originAllowed(req({ ...noProto, origin: 'https://public.example' }), none, trust)).toBe(false);
      expect(originAllowed(req({ ...noProto, origin: 'https://public.example' }, '127.0.0.1', true), none, trust)).toBe(true);
    });

    it('ignores the headers from a peer the setting does not trust', () => {
      const r = req({ ...proxied, origin: 'https://public.example' }, '203.0.113.9');
      expect(originAllowed(r, none, trustOf('loopback'))).toBe(false);
    });

    it('allowedOrigins still overrides', () => {
      const r = req({ ...proxied, origin: 'https://partner.example' });
      expect(originAllowed(r, new Set(['https://partner.example']), trustOf('loopback'))).toBe(true);
    });
  });
});
