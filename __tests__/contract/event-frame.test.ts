import fc from 'fast-check';
import { parseClickFrame } from '../../lib/contract/event-frame';
import { parseClientMessage } from '../../lib/contract/protocol';

/** parseClientMessage without its click fast path: JSON.parse of the frame, then the full checks. */
function fullParse(text: string): unknown {
  // A space after the opening brace is valid JSON and keeps the text out of the fast path.
  return parseClientMessage(text.startsWith('{') ? `{ ${text.slice(1)}` : text);
}

/** The click frame's shape as a regular expression (lib/contract/event-frame.ts reads it by hand). */
const CLICK_FRAME = /^\{"type":"event","ref":(0|[1-9]\d{0,14}),"event":"([A-Za-z_$][\w$:.-]{0,127})","params":\{\}\}$/;

/** What the hand-written reader must give: the message for a text the expression matches, else null. */
function byRegex(text: string): unknown {
  const match = text.length > 220 ? null : CLICK_FRAME.exec(text);
  return match === null ? null : { type: 'event', ref: Number(match[1]), event: match[2], params: {} };
}

describe('parseClickFrame', () => {
  it('reads the frame the browser client sends for a click', () => {
    expect(parseClickFrame('{"type":"event","ref":7,"event":"inc","params":{}}')).toEqual({ type: 'event', ref: 7, event: 'inc', params: {} });
    expect(parseClickFrame('{"type":"event","ref":0,"event":"dj:upload-progress","params":{}}')).toEqual({ type: 'event', ref: 0, event: 'dj:upload-progress', params: {} });
    expect(parseClickFrame(JSON.stringify({ type: 'event', ref: 999_999_999_999_999, event: '$a.b-c', params: {} }))).toEqual({ type: 'event', ref: 999_999_999_999_999, event: '$a.b-c', params: {} });
  });

  it.each([
    ['params', '{"type":"event","ref":7,"event":"inc","params":{"a":1}}'],
    ['a target', '{"type":"event","ref":7,"event":"inc","params":{},"target":2}'],
    ['a null ref', '{"type":"event","ref":null,"event":"inc","params":{}}'],
    ['a negative ref', '{"type":"event","ref":-1,"event":"inc","params":{}}'],
    ['a ref with a leading zero', '{"type":"event","ref":07,"event":"inc","params":{}}'],
    ['a 16-digit ref', '{"type":"event","ref":9007199254740993,"event":"inc","params":{}}'],
    ['a fractional ref', '{"type":"event","ref":1.5,"event":"inc","params":{}}'],
    ['an escaped event name', '{"type":"event","ref":7,"event":"in\\u0063","params":{}}'],
    ['an event name EVENT_NAME_RE refuses', '{"type":"event","ref":7,"event":"1inc","params":{}}'],
    ['another key order', '{"ref":7,"type":"event","event":"inc","params":{}}'],
    ['whitespace', '{"type":"event","ref":7,"event":"inc","params":{} }'],
    ['trailing text', '{"type":"event","ref":7,"event":"inc","params":{}}x'],
    ['a mount', '{"type":"mount","token":"a.b"}'],
  ])('leaves a frame with %s to the full parse', (_what, text) => {
    expect(parseClickFrame(text)).toBeNull();
  });

  it('gives what the full parse gives, on frames near the click shape', () => {
    const name = fc.oneof(
      fc.constantFrom('inc', 'dj:upload', '$x', '_a.b-c', 'a b', '1x', 'in"c', 'x\\y', 'é', ''),
      fc.stringMatching(/^[A-Za-z_$][\w$:.-]{0,130}$/),
    );
    const ref = fc.oneof(fc.nat(), fc.constantFrom(0, -1, 1.5, 2 ** 53, 2 ** 53 + 2, 1e15, 1e16, null), fc.integer({ min: -1e16, max: 1e16 }));
    // mostly the click's own params and target, so that many frames take the fast path
    const params = fc.oneof({ arbitrary: fc.constant<unknown>({}), weight: 4 }, fc.constantFrom<unknown>({ a: 1 }, [], null, undefined));
    const target = fc.oneof({ arbitrary: fc.constant<unknown>(undefined), weight: 4 }, fc.constantFrom<unknown>(1, null));
    let fast = 0;
    fc.assert(
      fc.property(name, ref, params, target, (event, r, p, t) => {
        const text = JSON.stringify({ type: 'event', ref: r, event, params: p, target: t });
        const click = parseClickFrame(text);
        if (click !== null) {
          fast += 1;
          expect({ ok: true, message: click }).toEqual(fullParse(text));
        }
        expect(parseClientMessage(text)).toEqual(fullParse(text));
      }),
      { numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(300); // the property exercised the fast path
  });

  it('reads exactly the texts the click expression matches, with the same ref and name (property, mutated frames)', () => {
    const piece = fc.constantFrom('{"type":"event","ref":', ',"event":"', '","params":{}}', '0', '7', '12345678901234', '123456789012345', '1234567890123456', '-', 'inc', 'a', 'Z9', '$', '_', ':', '.', '-x', '"', '\\', ' ', '{}', 'é', 'x'.repeat(127), 'y'.repeat(128));
    const frame = fc.oneof(
      fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
      fc.tuple(fc.oneof(fc.nat(), fc.constantFrom(0, 1e14, 999_999_999_999_999, 1e15)), fc.stringMatching(/^[A-Za-z_$:.0-9-]{0,130}$/))
        .map(([ref, name]) => `{"type":"event","ref":${ref},"event":"${name}","params":{}}`),
      // a click frame with one character replaced, dropped or doubled
      fc.tuple(fc.nat({ max: 60 }), fc.constantFrom('', '0', '9', 'a', '"', ',', '}', ':'), fc.boolean()).map(([at, ch, insert]) => {
        const text = '{"type":"event","ref":42,"event":"inc:a.b-c","params":{}}';
        return text.slice(0, at) + ch + text.slice(insert ? at : at + 1);
      }),
    );
    let matched = 0;
    fc.assert(
      fc.property(frame, (text) => {
        const expected = byRegex(text);
        if (expected !== null) matched += 1;
        expect(parseClickFrame(text)).toEqual(expected);
      }),
      { numRuns: 5000 },
    );
    expect(matched).toBeGreaterThan(500);
  });
});
