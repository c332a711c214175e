/**
 * The upload channel's window (lib/connection/upload-channel.ts): a client may have
 * UPLOAD_WINDOW × chunkSize bytes of an entry sent and not yet answered; the server answers
 * each chunk once it is on disk, refuses a chunk past the window with an error naming it, and
 * the liveTest driver (lib/testing/upload-driver.ts) keeps several chunks in flight within it.
 * Real temp files, a real ViewUploads; the host is the channel's own interface, filled in here.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UPLOAD_WINDOW, type JsonObject, type ServerMessage, type UploadMessage } from '../../lib/contract/protocol';
import { UploadChannel, UploadStore } from '../../lib/connection/upload-channel';
import { resolveLogger } from '../../lib/core/logger';
import { uploadFiles, uploadFrame } from '../../lib/testing/upload-driver';
import type { EventResult } from '../../lib/testing/results';
import { ViewUploads } from '../../lib/view/uploads';

const CHUNK = 1024;

/** A channel over a real store and a real ViewUploads; what it sends is collected in `sent`. */
function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'djust-up-channel-'));
  const debug: string[] = [];
  const logger = resolveLogger({ debug: (m) => void debug.push(m), warn() {}, error() {} });
  const store = new UploadStore(dir, logger);
  const uploads = new ViewUploads();
  uploads.allow('file', { accept: 'any', maxFileSize: 1_000_000, chunkSize: CHUNK });
  const sent: UploadMessage[] = [];
  /** How many messages each `send` call carried (over WebSocket: one frame each). */
  const sends: number[] = [];
  const channel = new UploadChannel({
    store,
    logger,
    bytesPerSecond: 256 * 1024 * 1024,
    now: () => Date.now(),
    uploads: () => uploads,
    send: (messages) => {
      sends.push(messages.length);
      sent.push(...messages);
    },
    refused: () => true,
    hold: () => undefined,
    render: (after) => void (after && sent.push(after)),
  });
  const done = () => {
    channel.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, debug, store, uploads, sent, sends, channel, done };
}

/** Waits (bounded) until `test()` holds. */
async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!test()) throw new Error(`${what} did not happen within 5 s`);
}

describe('UploadChannel', () => {
  describe('window', () => {
    it('announces a window of UPLOAD_WINDOW chunks, in bytes', async () => {
      const { uploads, done } = setup();
      try {
        const answer = await uploads.announce({ name: 'file', entries: [{ ref: 'a', name: 'a.bin', size: 10 * CHUNK, type: '' }] });
        expect(UPLOAD_WINDOW).toBeGreaterThan(1);
        expect(answer.window).toBe(UPLOAD_WINDOW * CHUNK);
        expect(answer.chunkSize).toBe(CHUNK);
      } finally {
        done();
      }
    });

    it('takes a whole window of chunks sent at once and answers each in order once stored', async () => {
      const { uploads, sent, channel, done } = setup();
      try {
        const answer = await uploads.announce({ name: 'file', entries: [{ ref: 'a', name: 'a.bin', size: 10 * CHUNK, type: '' }] });
        const id = String((answer.entries as JsonObject[])[0]?.id);
        const body = Buffer.alloc(10 * CHUNK);
        for (let i = 0; i < body.length; i += 1) body[i] = i % 251;
        // UPLOAD_WINDOW chunks in one turn: none of them is written yet when the last arrives.
        for (let k = 0; k < UPLOAD_WINDOW; k += 1) channel.receive(uploadFrame(id, k * CHUNK, body.subarray(k * CHUNK, (k + 1) * CHUNK)));
        expect(sent).toEqual([]);
        await until(() => sent.length === UPLOAD_WINDOW, 'the answers');
        expect(sent.map((m) => [m.action, m.bytes])).toEqual(Array.from({ length: UPLOAD_WINDOW }, (_, k) => ['ack', (k + 1) * CHUNK]));
        const entry = uploads.byId(id)?.entry;
        expect(entry?.bytes).toBe(UPLOAD_WINDOW * CHUNK);
        expect(readFileSync(entry?.path as string)).toEqual(body.subarray(0, UPLOAD_WINDOW * CHUNK));
      } finally {
        done();
      }
    });

    it('sends the answers of chunks stored by one write together, in one frame, in order', async () => {
      const { uploads, sent, sends, channel, done } = setup();
      try {
        const answer = await uploads.announce({ name: 'file', entries: [{ ref: 'a', name: 'a.bin', size: 10 * CHUNK, type: '' }] });
        const id = String((answer.entries as JsonObject[])[0]?.id);
        const body = Buffer.alloc(10 * CHUNK, 7);
        // The window in one turn: one writev stores all of it, one send answers every chunk.
        for (let k = 0; k < UPLOAD_WINDOW; k += 1) channel.receive(uploadFrame(id, k * CHUNK, body.subarray(k * CHUNK, (k + 1) * CHUNK)));
        await until(() => sent.length === UPLOAD_WINDOW, 'the answers');
        expect(sends).toEqual([UPLOAD_WINDOW]);
        expect(sent.map((m) => m.bytes)).toEqual(Array.from({ length: UPLOAD_WINDOW }, (_, k) => (k + 1) * CHUNK));
        // A chunk on its own is answered on its own.
        channel.receive(uploadFrame(id, UPLOAD_WINDOW * CHUNK, body.subarray(UPLOAD_WINDOW * CHUNK, (UPLOAD_WINDOW + 1) * CHUNK)));
        await until(() => sent.length === UPLOAD_WINDOW + 1, 'the answer to the next chunk');
        expect(sends).toEqual([UPLOAD_WINDOW, 1]);
        expect(sent.at(-1)).toMatchObject({ action: 'ack', bytes: (UPLOAD_WINDOW + 1) * CHUNK });
      } finally {
        done();
      }
    });

    it('refuses a chunk past the window with upload_busy naming the window, and takes it again after an ack', async () => {
      const { uploads, sent, channel, debug, done } = setup();
      try {
        const answer = await uploads.announce({ name: 'file', entries: [{ ref: 'a', name: 'a.bin', size: 10 * CHUNK, type: '' }] });
        const id = String((answer.entries as JsonObject[])[0]?.id);
        const body = Buffer.alloc(10 * CHUNK, 7);
        for (let k = 0; k <= UPLOAD_WINDOW; k += 1) channel.receive(uploadFrame(id, k * CHUNK, body.subarray(k * CHUNK, (k + 1) * CHUNK)));
        // The one past the window is answered at once, before any of the others is stored.
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({ id, action: 'error', code: 'upload_busy' });
        expect(sent[0]?.message).toContain(`a client may have ${UPLOAD_WINDOW * CHUNK} bytes of an entry unanswered`);
        expect(sent[0]?.message).toContain('UPLOAD_WINDOW');
        expect(debug.some((l) => l.includes('upload_busy'))).toBe(true);
        await until(() => sent.length === UPLOAD_WINDOW + 1, 'the answers to the window');
        expect(sent.slice(1).every((m) => m.action === 'ack')).toBe(true);
        // Answered, the window has room: the refused chunk is taken now, at its offset.
        channel.receive(uploadFrame(id, UPLOAD_WINDOW * CHUNK, body.subarray(UPLOAD_WINDOW * CHUNK, (UPLOAD_WINDOW + 1) * CHUNK)));
        await until(() => sent.length === UPLOAD_WINDOW + 2, 'the answer to the chunk sent again');
        expect(sent.at(-1)).toMatchObject({ action: 'ack', bytes: (UPLOAD_WINDOW + 1) * CHUNK });
      } finally {
        done();
      }
    });
  });

  describe('the liveTest driver', () => {
    it('keeps several chunks in flight, never more than the window, and the file arrives whole', async () => {
      const { uploads, channel, sent, dir, done } = setup();
      try {
        // The channel's answers are the messages the driver reads, as over a connection.
        const messages: ServerMessage[] = sent;
        let frames = 0;
        let sentBytes = 0;
        let maxFramesUnanswered = 0;
        let maxBytesUnanswered = 0;
        const host = {
          event: async (_event: string, params: JsonObject) => ({ response: { type: 'reply', ref: 1, payload: await uploads.announce(params) } }) as unknown as EventResult,
          frame: async (frame: Buffer) => {
            frames += 1;
            sentBytes += frame.length - 1 - (frame[0] as number);
            const acked = sent.reduce((n, m) => (m.action === 'ack' ? Math.max(n, m.bytes ?? 0) : n), 0);
            maxFramesUnanswered = Math.max(maxFramesUnanswered, frames - sent.length);
            maxBytesUnanswered = Math.max(maxBytesUnanswered, sentBytes - acked);
            channel.receive(frame);
          },
          messages,
          until: (test: () => boolean, what: string) => until(test, what),
        };
        const content = Buffer.alloc(50 * CHUNK + 17);
        for (let i = 0; i < content.length; i += 1) content[i] = (i * 7) % 256;
        const result = await uploadFiles(host, 'file', [{ name: 'big.bin', content }]);
        expect(result.entries[0]).toMatchObject({ valid: true, refused: undefined });
        expect(sent.every((m) => m.action === 'ack')).toBe(true);
        expect(maxFramesUnanswered).toBe(UPLOAD_WINDOW);
        expect(maxBytesUnanswered).toBeLessThanOrEqual(UPLOAD_WINDOW * CHUNK);
        const entry = uploads.byId(String(sent[0]?.id))?.entry;
        expect(entry?.done).toBe(true);
        expect(readFileSync(entry?.path as string)).toEqual(content);
        expect(readdirSync(dir)).toHaveLength(1); // the store's one folder
      } finally {
        done();
      }
    });
  });
});
