import { Flash } from '../../lib/view/flash';
import type { FlashMessage } from '../../lib/contract/protocol';

/** What one drain sends. */
function drained(flash: Flash): FlashMessage[] {
  const out: FlashMessage[] = [];
  flash.drain(out);
  return out;
}

describe('Flash', () => {
  describe('put and clear', () => {
    it('queues puts and clears in call order and shows the last message per level', () => {
      const flash = new Flash();
      flash.put('info', 'Saved');
      flash.put('error', 'Oops');
      flash.clear('error');
      flash.put('info', 'Saved again');
      expect(flash.current).toEqual({ info: 'Saved again' });
      expect(drained(flash)).toEqual([
        { type: 'flash', action: 'put', level: 'info', message: 'Saved' },
        { type: 'flash', action: 'put', level: 'error', message: 'Oops' },
        { type: 'flash', action: 'clear', level: 'error' },
        { type: 'flash', action: 'put', level: 'info', message: 'Saved again' },
      ]);
      expect(drained(flash)).toEqual([]);
    });

    it('clear() without a level clears every level', () => {
      const flash = new Flash();
      flash.put('info', 'a');
      flash.put('error', 'b');
      flash.clear();
      expect(flash.current).toEqual({});
      expect(drained(flash).at(-1)).toEqual({ type: 'flash', action: 'clear' });
    });

    it.each([[''], ['Info'], ['a b'], ['x'.repeat(33)], [42], [null]])('refuses the level %j, naming the call and the shape', (level) => {
      expect(() => new Flash().put(level, 'm')).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_FLASH', message: expect.stringMatching(/^putFlash\(level, message\): level must be a short lowercase word/) }));
    });

    it('refuses a message that is not a string, and a bad level to clear', () => {
      expect(() => new Flash().put('info', 7)).toThrow(/putFlash\("info", message\): message must be a string, got number/);
      expect(() => new Flash().clear('Bad Level')).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_FLASH' }));
    });

    it('keeps at most 32 pending messages, dropping the oldest', () => {
      const flash = new Flash();
      for (let i = 0; i < 40; i += 1) flash.put('info', `m${i}`);
      const out = drained(flash);
      expect(out).toHaveLength(32);
      expect(out[0]).toMatchObject({ message: 'm8' });
      expect(out.at(-1)).toMatchObject({ message: 'm39' });
    });
  });

  describe('render, carry and rollback', () => {
    it('markRendered drops what is pending: the HTML shows it already', () => {
      const flash = new Flash();
      flash.put('info', 'shown by the page');
      flash.markRendered();
      expect(drained(flash)).toEqual([]);
      expect(flash.current).toEqual({ info: 'shown by the page' });
    });

    it('carry shows the previous view\'s messages without sending them again', () => {
      const flash = new Flash();
      flash.carry({ success: 'Welcome' });
      expect(flash.current).toEqual({ success: 'Welcome' });
      expect(drained(flash)).toEqual([]);
    });

    it('a snapshot restores what is shown and pending (a handler failed after putFlash)', () => {
      const flash = new Flash();
      flash.put('info', 'kept');
      flash.markRendered();
      const restore = flash.snapshot();
      flash.put('info', 'from the failed handler');
      flash.put('error', 'also');
      restore();
      expect(flash.current).toEqual({ info: 'kept' });
      expect(drained(flash)).toEqual([]);
    });
  });
});
