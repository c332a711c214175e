import { createHmac } from 'node:crypto';
import { fetchPage } from '../../lib/testing/page';
import { TokenSigner } from '../../lib/routes/token';
import { startApp, WsClient, type TestApp } from '../helpers/server';
import { counterRoutes, sessionId, SseStream, streamPath } from '../helpers/sse-support';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const payload = { route: '/chat', params: { id: '1' }, url: '/chat?x=1', iat: 500, exp: 2_000_000_000_000 };
/** A lifetime long enough that only `exp` can expire `payload`. */
const FOREVER = Number.MAX_SAFE_INTEGER;

describe('TokenSigner', () => {
  it('round-trips a payload', () => {
    const signer = new TokenSigner([A], FOREVER);
    expect(signer.verify(signer.sign(payload), 1_000)).toEqual({ ok: true, payload });
  });

  it('accepts tokens signed with an older secret during rotation', () => {
    const old = new TokenSigner([B], FOREVER).sign(payload);
    expect(new TokenSigner([A, B], FOREVER).verify(old, 1_000).ok).toBe(true);
    expect(new TokenSigner([A], FOREVER).verify(old, 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
  });

  it('refuses an altered body, a malformed token and an expired one', () => {
    const signer = new TokenSigner([A], FOREVER);
    const token = signer.sign(payload);
    const [body, mac] = token.split('.') as [string, string];
    const altered = Buffer.from(Buffer.from(body, 'base64url').toString().replace('/chat', '/root')).toString('base64url');
    expect(signer.verify(`${altered}.${mac}`, 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
    expect(signer.verify('nodot', 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
    expect(signer.verify('a.b.c', 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
    expect(signer.verify(token, payload.exp + 1)).toMatchObject({ ok: false, code: 'token_expired' });
  });

  it('refuses a token at and after its exp although its iat is recent (the exp rule alone)', () => {
    const signer = new TokenSigner([A], 60 * 60 * 1000);
    const token = signer.sign({ route: '/c', params: {}, url: '/c', iat: 1_000, exp: 2_000 });
    expect(signer.verify(token, 1_999).ok).toBe(true);
    for (const now of [2_000, 2_001]) {
      expect(signer.verify(token, now)).toMatchObject({ ok: false, code: 'token_expired', message: expect.stringMatching(/^Token expired; reload the page/) });
    }
  });

  describe('one spelling per token', () => {
    const signer = new TokenSigner([A], FOREVER);
    const token = signer.sign(payload);
    const [body, mac] = token.split('.') as [string, string];

    it.each(['!!', '==', '*', '=', ' ', '\n', '%3D'])('refuses a valid signature with %j appended', (extra) => {
      expect(signer.verify(`${token}${extra}`, 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
    });

    it('refuses a signature in standard base64 (+ and /) or with other trailing bits', () => {
      const bytes = Buffer.from(mac, 'base64url');
      expect(signer.verify(`${body}.${bytes.toString('base64')}`, 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
      // 32 bytes spell 43 characters whose last carries 2 unused bits: set them and the bytes stay the same.
      const last = mac.at(-1) as string;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sibling = alphabet[alphabet.indexOf(last) | 1] as string;
      if (sibling !== last) {
        expect(Buffer.from(mac.slice(0, -1) + sibling, 'base64url')).toEqual(bytes);
        expect(signer.verify(`${body}.${mac.slice(0, -1)}${sibling}`, 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
      }
    });

    it('refuses a body that is not canonical base64url even when the signature covers it', () => {
      // A signer with the secret could MAC any string; the body must still be the one spelling.
      const mac2 = (text: string) => createHmac('sha256', A).update(text).digest('base64url');
      const padded = `${body}=`;
      expect(signer.verify(`${padded}.${mac2(padded)}`, 1_000)).toMatchObject({ ok: false, code: 'bad_token', message: expect.stringMatching(/canonical/) });
    });

    it('still accepts the canonical token', () => {
      expect(signer.verify(token, 1_000).ok).toBe(true);
    });
  });

  describe('maximum lifetime', () => {
    const HOUR = 60 * 60 * 1000;

    it('stamps iat when the payload has none', () => {
      const before = Date.now();
      const result = new TokenSigner([A], FOREVER).verify(new TokenSigner([A], FOREVER).sign({ route: '/c', params: {}, url: '/c', exp: before + HOUR }));
      expect(result.ok && result.payload.iat).toBeGreaterThanOrEqual(before);
    });

    it('refuses a token older than maxLifetimeMs (option tokenTtlMs) even when its exp is later', () => {
      const signer = new TokenSigner([A], HOUR);
      const token = signer.sign({ route: '/c', params: {}, url: '/c', iat: 0, exp: 100 * HOUR });
      expect(signer.verify(token, HOUR - 1).ok).toBe(true);
      expect(signer.verify(token, HOUR)).toMatchObject({ ok: false, code: 'token_expired', message: expect.stringMatching(/tokenTtlMs \(3600000 ms\)/) });
    });

    it('refuses a token without iat (from before iat existed) as expired', () => {
      const signer = new TokenSigner([A], FOREVER);
      const body = Buffer.from(JSON.stringify({ route: '/c', params: {}, url: '/c', exp: 2_000_000_000_000 })).toString('base64url');
      const mac = createHmac('sha256', A).update(body).digest('base64url');
      expect(signer.verify(`${body}.${mac}`, 1_000)).toMatchObject({ ok: false, code: 'token_expired' });
    });
  });
});

describe('tampered token spellings on a live server', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(counterRoutes, { logger: { warn: jest.fn(), error: jest.fn() } });
  });
  afterAll(() => app.close());

  it.each(['!!', '==', '*'])('a WebSocket mount with %j appended to the signature gets bad_token and close 1008; a neighbour goes on', async (extra) => {
    const neighbour = await WsClient.mount(app.base, '/counter');
    const { token } = await fetchPage(app.base, '/counter');
    const ws = await WsClient.open(app.base);
    ws.send({ type: 'mount', token: `${token}${extra}` });
    expect(await ws.waitForClose()).toBe(1008);
    expect(ws.messages).toEqual([expect.objectContaining({ type: 'error', code: 'bad_token', ref: null })]);
    neighbour.send({ type: 'event', ref: 1, event: 'inc' });
    expect((await neighbour.eventResult(1))[0]).toMatchObject({ type: 'patch', ref: 1 });
    await neighbour.close();
  });

  it('an SSE stream opened with "==" appended gets bad_token and ends', async () => {
    const { token } = await fetchPage(app.base, '/counter');
    const stream = await SseStream.open(app.base, streamPath(sessionId(), `${token}==`));
    await stream.waitForEnd();
    expect(stream.messages).toEqual([expect.objectContaining({ type: 'error', code: 'bad_token' })]);
  });
});
