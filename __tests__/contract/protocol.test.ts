import fc from 'fast-check';
import { cleanParams, encode, jsonString, parseClientMessage, type ServerMessage } from '../../lib/contract/protocol';

describe('parseClientMessage', () => {
  it('accepts the three client envelopes', () => {
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ ok: true, message: { type: 'ping' } });
    expect(parseClientMessage('{"type":"mount","token":"a.b","url":"/x"}')).toEqual({ ok: true, message: { type: 'mount', token: 'a.b', url: '/x' } });
    expect(parseClientMessage('{"type":"event","ref":7,"event":"save","params":{"a":[1,{"b":null}]}}')).toEqual({
      ok: true,
      message: { type: 'event', ref: 7, event: 'save', params: { a: [1, { b: null }] } },
    });
  });

  it('defaults missing params to {} and a missing ref to null', () => {
    expect(parseClientMessage('{"type":"event","event":"newMessage"}')).toEqual({ ok: true, message: { type: 'event', ref: null, event: 'newMessage', params: {} } });
  });

  it.each([
    ['not json', 'bad_json', null],
    ['[1,2]', 'bad_message', null],
    ['"str"', 'bad_message', null],
    ['{"type":"mount"}', 'bad_message', null],
    ['{"type":"mount","token":"t","url":5}', 'bad_message', null],
    ['{"type":"event","ref":"x","event":"a"}', 'bad_message', null],
    ['{"type":"event","ref":2.5,"event":"a"}', 'bad_message', null],
    ['{"type":"event","ref":3}', 'bad_message', 3],
    ['{"type":"event","ref":3,"event":"a b"}', 'bad_message', 3],
    ['{"type":"event","ref":4,"event":"a","params":[1]}', 'bad_params', 4],
    ['{"type":"event","ref":4,"event":"a","params":null}', 'bad_params', 4],
    ['{"type":"nope","ref":9}', 'bad_message', 9],
  ])('refuses %s with %s', (text, code, ref) => {
    const result = parseClientMessage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ type: 'error', code, ref });
  });

  it('refuses params nested deeper than 16 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20; i += 1) deep = { d: deep };
    const result = parseClientMessage(JSON.stringify({ type: 'event', ref: 1, event: 'a', params: deep }));
    expect(result.ok).toBe(false);
  });
});

describe('cleanParams', () => {
  it('drops __proto__, constructor and prototype keys at every depth', () => {
    const input = JSON.parse('{"a":1,"__proto__":{"x":1},"constructor":2,"nested":{"prototype":3,"ok":[{"__proto__":4,"k":5}]}}');
    const clean = cleanParams(input);
    expect(clean).toEqual({ a: 1, nested: { ok: [{ k: 5 }] } });
    expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
  });
});

describe('encode', () => {
  it('writes exactly what JSON.stringify writes, for the hand-written shapes and the rest', () => {
    const ref = fc.oneof(fc.constant(null), fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }));
    const text = fc.string({ unit: 'grapheme-composite' });
    const message: fc.Arbitrary<ServerMessage> = fc.oneof(
      fc.record({ type: fc.constant('patch' as const), ref, ops: fc.array(fc.tuple(fc.constant('t'), fc.array(fc.nat(9)), text)) }),
      fc.record({ type: fc.constant('patch' as const), ref, html: text }),
      fc.record({ type: fc.constant('reply' as const), ref }),
      fc.record({ type: fc.constant('page_metadata' as const), action: fc.constant('title' as const), value: text }),
      fc.record({ type: fc.constant('page_metadata' as const), action: fc.constant('meta' as const), name: text, content: text }),
      fc.record({ type: fc.constant('error' as const), ref, code: fc.constant('bad_json' as const), message: text }),
    );
    fc.assert(fc.property(message, (m) => encode(m) === JSON.stringify(m)), { numRuns: 500 });
    expect(encode({ type: 'page_metadata', action: 'title', value: 'a"b\u2028</title>' })).toBe(JSON.stringify({ type: 'page_metadata', action: 'title', value: 'a"b\u2028</title>' }));
  });

  it('writes a patch\'s ops as JSON.stringify does, text ops by hand or not (component paths, odd numbers, other ops)', () => {
    const step = fc.oneof(fc.nat(2 ** 31), fc.constant(-0), fc.constant(-1), fc.constant(1.5), fc.constant(2 ** 60), fc.string({ maxLength: 4 }));
    const op = fc.oneof(
      fc.tuple(fc.constant('t'), fc.array(fc.nat(99), { maxLength: 12 }), fc.string({ unit: 'grapheme-composite' })),
      fc.tuple(fc.constant('t'), fc.array(step, { maxLength: 5 }), fc.string()),
      fc.tuple(fc.constant('t'), fc.array(fc.nat(9)), fc.string(), fc.string()),
      fc.tuple(fc.constantFrom('r', 'a', 'i'), fc.array(fc.nat(9)), fc.string()),
      fc.tuple(fc.constant('t'), fc.constant(null), fc.string()),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 6 }), (ops) => {
      const m: ServerMessage = { type: 'patch', ref: 1, ops };
      return encode(m) === JSON.stringify(m);
    }), { numRuns: 1000 });
    expect(encode({ type: 'patch', ref: 3, ops: [['t', [0, -0, 2], 'x"\u2028y']] })).toBe('{"type":"patch","ref":3,"ops":[["t",[0,0,2],"x\\"\u2028y"]]}');
  });
});

describe('jsonString', () => {
  it('quotes any string exactly as JSON.stringify does (quotes, backslashes, controls, lone surrogates, long ones)', () => {
    const unit = fc.constantFrom('a', '7', ' ', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\ud800', '\udfff', '😀', '<', '/');
    fc.assert(fc.property(fc.oneof(fc.string({ unit, maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 70 }), fc.string({ maxLength: 200 })), (text) => {
      expect(jsonString(text)).toBe(JSON.stringify(text));
    }), { numRuns: 3000 });
    expect(jsonString('Counter 12')).toBe('"Counter 12"');
    expect(jsonString('a"b')).toBe('"a\\"b"');
  });
});
