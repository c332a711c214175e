/**
 * `djust-lite/testing`: drive your live views from jest (or any test runner) over the real
 * protocol — SSE by default, or WebSocket.
 *
 * Under liveTest sits the protocol client this repository's own tests and bench share (internal,
 * imported by path): `page.ts` (requests, the djust script tag, what a page shows), `messages.ts`
 * (envelopes out, `ServerMessage`s in), `websocket.ts` and `sse.ts` (the two channels), `waiters.ts`
 * (bounded waits).
 *
 * @example
 * import { liveTest } from 'djust-lite/testing';
 * const view = await liveTest(app, '/settings');
 * await view.event('save', { project: 'Apollo' });
 * expect(view.title).toBe('Apollo - Saved');
 * expect(view.flash.success).toBe('Changes saved!');
 * await view.close();
 */
export { liveTest, LiveTestView, type LiveTestOptions } from './live-test';
export { testClock, TestClock } from './clock';
export type { ActionResult, AdvanceResult, EventResult, FieldValue, LiveElement, LiveForm, SentEvent, TextFilter, ViewState } from './results';
export type { TestFile, UploadResult } from './upload-driver';
export type { Navigation, NavigationKind } from './navigation-log';
export type { AppLike } from './server';
