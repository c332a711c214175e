import { TokenSigner } from '../lib/token';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const payload = { route: '/chat', params: { id: '1' }, url: '/chat?x=1', exp: 2_000_000_000_000 };

describe('TokenSigner', () => {
  it('round-trips a payload', () => {
    const signer = new TokenSigner([A]);
    expect(signer.verify(signer.sign(payload), 1_000)).toEqual({ ok: true, payload });
  });

  it('accepts tokens signed with an older secret during rotation', () => {
    const old = new TokenSigner([B]).sign(payload);
    expect(new TokenSigner([A, B]).verify(old, 1_000).ok).toBe(true);
    expect(new TokenSigner([A]).verify(old, 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
  });

  it('refuses an altered body, a malformed token and an expired one', () => {
    const signer = new TokenSigner([A]);
    const token = signer.sign(payload);
    const [body, mac] = token.split('.') as [string, string];
    const altered = Buffer.from(Buffer.from(body, 'base64url').toString().replace('/chat', '/root')).toString('base64url');
    expect(signer.verify(`${altered}.${mac}`, 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
    expect(signer.verify('nodot', 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
    expect(signer.verify('a.b.c', 1_000)).toMatchObject({ ok: false, code: 'bad_token' });
    expect(signer.verify(token, payload.exp + 1)).toMatchObject({ ok: false, code: 'token_expired' });
  });
});
