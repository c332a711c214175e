/** lib/transport/sse-route.ts: the one parse of an SSE request's URL. */
import { sseRoute } from '../../lib/transport/sse-route';

const BASE = '/djust/sse';
const ID = '0b5c1e0e-8d1f-4a57-9c1a-2f0f5d6a7b8c';

describe('sseRoute', () => {
  it('routes the four endpoints, keeping the raw query', () => {
    expect(sseRoute('GET', `${BASE}/${ID}?token=a.b&url=%2Fx`, BASE)).toEqual({ id: ID, endpoint: 'stream', query: 'token=a.b&url=%2Fx' });
    expect(sseRoute('DELETE', `${BASE}/${ID}`, BASE)).toEqual({ id: ID, endpoint: 'stream', query: '' });
    expect(sseRoute('POST', `${BASE}/${ID}/message`, BASE)).toEqual({ id: ID, endpoint: 'message', query: '' });
    expect(sseRoute('POST', `${BASE}/${ID}/upload`, BASE)).toEqual({ id: ID, endpoint: 'upload', query: '' });
  });

  it('leaves paths outside the base to other handlers', () => {
    expect(sseRoute('GET', '/djust/ws', BASE)).toBeNull();
    expect(sseRoute('GET', '/djust/sse-other/x', BASE)).toBeNull();
  });

  it('refuses unknown endpoints (404), wrong methods (405, with Allow) and bad ids (400)', () => {
    expect(sseRoute('GET', BASE, BASE)).toMatchObject({ status: 404 });
    expect(sseRoute('GET', `${BASE}/`, BASE)).toMatchObject({ status: 404 });
    expect(sseRoute('POST', `${BASE}/${ID}/other`, BASE)).toMatchObject({ status: 404 });
    expect(sseRoute('POST', `${BASE}/${ID}`, BASE)).toMatchObject({ status: 405, headers: { Allow: 'GET, DELETE' } });
    expect(sseRoute('GET', `${BASE}/${ID}/message`, BASE)).toMatchObject({ status: 405, headers: { Allow: 'POST' } });
    expect(sseRoute('PUT', `${BASE}/${ID}/upload`, BASE)).toMatchObject({ status: 405, headers: { Allow: 'POST' } });
    expect(sseRoute('POST', `${BASE}/${ID}/upload/x`, BASE)).toMatchObject({ status: 404 });
    expect(sseRoute('GET', `${BASE}/short`, BASE)).toMatchObject({ status: 400, reason: expect.stringContaining('"short"') });
    expect(sseRoute('GET', `${BASE}/${'x'.repeat(129)}`, BASE)).toMatchObject({ status: 400 });
  });
});
