import nunjucks from 'nunjucks';
import { OPTIONS, resolveOptions, suggestOption } from '../../lib/config/options';
import { titleFormatter } from '../../lib/view/title-template';

describe('resolveOptions', () => {
  it('works with no options at all', () => {
    const options = resolveOptions();
    expect(options.prefix).toBe('/djust');
    expect(options.secrets).toHaveLength(1);
    expect(options.maxMessageBytes).toBe(64 * 1024);
    expect(options.transport).toBe('auto');
  });

  it.each([
    [{ prefix: 'djust' }, /option "prefix" must be a path like "\/djust"/],
    [{ prefix: '/djust/' }, /option "prefix"/],
    [{ secret: 'short' }, /option "secret" must be a string of at least 32 characters/],
    [{ secret: [] }, /option "secret"/],
    [{ allowedOrigins: 'https://a.example' }, /option "allowedOrigins" must be an array/],
    [{ allowedOrigins: ['not a url'] }, /option "allowedOrigins"/],
    [{ transport: 'carrier-pigeon' }, /option "transport" must be "auto", "websocket" or "sse"/],
    [{ maxMessageBytes: 'big' }, /option "maxMessageBytes" must be a finite number, got "big"/],
    [{ maxMessageBytes: 10 }, /option "maxMessageBytes" must be at least 256, got 10/],
    [{ titleTemplate: 'no placeholder' }, /option "titleTemplate" must be a string containing "%s"/],
    [{ env: {} }, /option "env" must be a nunjucks.Environment/],
    [{ session: 'x' }, /option "session" must be a function/],
    [{ logger: {} }, /option "logger"/],
    [{ viewz: 'views' }, /unknown option "viewz"/],
  ])('refuses %j naming the option', (input, message) => {
    expect(() => resolveOptions(input as never)).toThrow(message);
  });

  it('throws a RangeError for a number below its minimum', () => {
    expect(() => resolveOptions({ maxQueuedEvents: 0 })).toThrow(RangeError);
  });

  it.each([
    [{ prefix: 'djust' }, TypeError],
    [{ maxMessageBytes: 10 }, RangeError],
    [{ viewz: 'views' }, TypeError],
    [null, TypeError],
  ])('gives %j the code DJUST_ERR_INVALID_OPTION on a %p', (input, kind) => {
    let thrown: unknown;
    try {
      resolveOptions(input as never);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(kind);
    expect((thrown as { code?: string }).code).toBe('DJUST_ERR_INVALID_OPTION');
  });

  it('suggests the nearest known option for a near miss', () => {
    expect(() => resolveOptions({ maxMessageByte: 1024 } as never)).toThrow(/unknown option "maxMessageByte"\. Did you mean "maxMessageBytes"\?/);
    expect(suggestOption('HEARTBEATMS')).toBe('heartbeatMs');
    expect(suggestOption('colour')).toBeUndefined();
  });

  it('never echoes a secret in its error', () => {
    expect(() => resolveOptions({ secret: 'hunter2-hunter2' })).toThrow('got a string of 15 characters.');
    expect(() => resolveOptions({ secret: ['x'.repeat(32), 'hunter2'] })).not.toThrow(/hunter2/);
  });

  it('fills every numeric option from the table and accepts a null titleTemplate', () => {
    const options = resolveOptions({ titleTemplate: null as never, sseRetryMs: 0 });
    for (const [name, spec] of Object.entries(OPTIONS)) {
      if (spec.check.type === 'number' && name !== 'sseRetryMs') expect(options[name as 'heartbeatMs']).toBe(spec.default);
    }
    expect(options.sseRetryMs).toBe(0);
    expect(options.titleTemplate).toBeNull();
  });

  it('requires a secret in production', () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => resolveOptions()).toThrow(/option "secret" is required when NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('normalises allowed origins and accepts a nunjucks environment', () => {
    const env = new nunjucks.Environment();
    const options = resolveOptions({ allowedOrigins: ['https://App.Example.com:443/'], env });
    expect([...options.allowedOrigins]).toEqual(['https://app.example.com']);
    expect(options.env).toBe(env);
  });
});

describe('titleFormatter', () => {
  it('applies a %s template, a function template and the default title', () => {
    expect(titleFormatter('%s | Store', null)('Lamp')).toBe('Lamp | Store');
    expect(titleFormatter('%s | Store', 'Store')(undefined)).toBe('Store');
    expect(titleFormatter((t) => (t ? `${t} · Shop` : undefined), 'Shop')(undefined)).toBe('Shop');
    expect(titleFormatter(null, null)('Plain')).toBe('Plain');
    expect(titleFormatter('%s | %s', null)('$&')).toBe('$& | $&');
  });
});

describe('resolveOptions logger', () => {
  it('makes every level callable and keeps debug off for the default console', () => {
    const spy = jest.spyOn(console, 'debug').mockImplementation(() => {});
    try {
      const { logger } = resolveOptions();
      logger.debug('hidden');
      expect(spy).not.toHaveBeenCalled();
      expect(typeof logger.info).toBe('function');
    } finally {
      spy.mockRestore();
    }
  });

  it('turns missing debug and info into no-ops and calls the ones given on their logger', () => {
    const lines: string[] = [];
    const mine = {
      prefix: 'app:',
      debug(this: { prefix: string }, m: string) { lines.push(`${this.prefix}debug ${m}`); },
      warn(m: string) { lines.push(`warn ${m}`); },
      error(m: string) { lines.push(`error ${m}`); },
    };
    const { logger } = resolveOptions({ logger: mine });
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d', new Error('x'));
    expect(lines).toEqual(['app:debug djust-lite:refusal a', 'warn c', 'error d']);
  });

  it('refuses a debug level that is not a function', () => {
    expect(() => resolveOptions({ logger: { warn() {}, error() {}, debug: 'loud' } as never })).toThrow(/option "logger"/);
  });
});
