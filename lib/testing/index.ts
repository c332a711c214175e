/**
 * `djust-lite/testing`: drive your live views from jest (or any test runner) over the real
 * protocol — SSE by default, or WebSocket.
 *
 * @example
 * import { liveTest } from 'djust-lite/testing';
 * const view = await liveTest(app, '/settings');
 * await view.event('save', { project: 'Apollo' });
 * expect(view.title).toBe('Apollo - Saved');
 * expect(view.flash.success).toBe('Changes saved!');
 * await view.close();
 */
export { liveTest, LiveTestView, type LiveTestOptions, type EventResult } from './live-test';
export type { AppLike } from './server';
