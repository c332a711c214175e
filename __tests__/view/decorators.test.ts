import { eventHandler, handlersOf, RESERVED_NAMES } from '../../lib/view/decorators';
import { LiveView } from '../../lib/view/live-view';
import { LiveComponent } from '../../lib/view/live-component';
import type { EventList } from '../../lib/view/decorators';

class Base extends LiveView {
  static template = 'x.njk';
  @eventHandler() save() {}
  @eventHandler('custom:name') renamed() {}
  helper() {}
}
class Child extends Base {
  @eventHandler() extra() {}
  override save() {}
}

describe('eventHandler', () => {
  it('registers decorated methods by event name, inherited ones too', () => {
    expect([...handlersOf(Base)].sort()).toEqual([['custom:name', 'renamed'], ['save', 'save']]);
    const child = handlersOf(Child);
    expect(child.get('extra')).toBe('extra');
    expect(child.get('custom:name')).toBe('renamed');
    expect(child.has('helper')).toBe(false);
  });

  it('refuses lifecycle names and bad event names', () => {
    expect(() => eventHandler('mount')).not.toThrow();
    expect(() => {
      class Bad extends LiveView {
        static template = 'x.njk';
        @eventHandler('mount') go() {}
      }
      return Bad;
    }).toThrow(/cannot expose "mount"/);
    expect(() => eventHandler('')).toThrow(/non-empty string/);
  });

  it('works with experimentalDecorators-style calls', () => {
    class Legacy extends LiveView {
      static template = 'x.njk';
      legacy() {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Legacy.prototype, 'legacy') as PropertyDescriptor;
    (eventHandler() as (t: object, k: string, d: PropertyDescriptor) => void)(Legacy.prototype, 'legacy', descriptor);
    expect(handlersOf(Legacy).get('legacy')).toBe('legacy');
  });
});

describe('static events', () => {
  it('exposes the listed methods, by name or event → method, with inherited lists and decorators', () => {
    class Counter extends LiveView {
      static template = 'x.njk';
      // Annotated so that a subclass may list its handlers in the other form (TypeScript infers string[]).
      static events: EventList = ['inc', 'reset'];
      count = 0;
      inc() { this.count += 1; }
      reset() { this.count = 0; }
      helper() {}
    }
    class Named extends Counter {
      static events = { 'counter:double': 'double' };
      double() { this.count *= 2; }
      @eventHandler() decorated() {}
    }
    expect([...handlersOf(Counter)].sort()).toEqual([['inc', 'inc'], ['reset', 'reset']]);
    expect([...handlersOf(Named)].sort()).toEqual([['counter:double', 'double'], ['decorated', 'decorated'], ['inc', 'inc'], ['reset', 'reset']]);
  });

  it('refuses lifecycle and built-in names, as @eventHandler() does', () => {
    class Bad extends LiveView {
      static template = 'x.njk';
      static events = ['mount'];
    }
    expect(() => handlersOf(Bad)).toThrow(/Bad.events cannot expose "mount": it is a lifecycle or built-in name/);
    class BadEvent extends LiveView {
      static template = 'x.njk';
      static events = { constructor: 'go' };
      go() {}
    }
    expect(() => handlersOf(BadEvent)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG', message: expect.stringMatching(/cannot expose "constructor"/) }));
  });

  it('refuses names that are not methods, and lists of the wrong shape', () => {
    class Missing extends LiveView {
      static template = 'x.njk';
      static events = ['nope'];
      field = () => 1;
    }
    expect(() => handlersOf(Missing)).toThrow(/lists "nope", which is not a method of Missing/);
    class Field extends LiveView {
      static template = 'x.njk';
      static events = ['field'];
      field = () => 1;
    }
    expect(() => handlersOf(Field)).toThrow(/lists "field", which is not a method/);
    class Wrong extends LiveView {
      static template = 'x.njk';
      static events = 'inc' as never;
    }
    expect(() => handlersOf(Wrong)).toThrow(/an array of method names/);
    class Empty extends LiveView {
      static template = 'x.njk';
      static events = [''];
    }
    expect(() => handlersOf(Empty)).toThrow(/non-empty strings/);
  });
});

describe('reserved names', () => {
  it('include every member LiveView and LiveComponent themselves have, so no new API method can be exposed as a handler', () => {
    const members = [...Object.getOwnPropertyNames(LiveView.prototype), ...Object.getOwnPropertyNames(LiveComponent.prototype)];
    expect(members.length).toBeGreaterThan(15);
    expect(members.filter((name) => !RESERVED_NAMES.has(name))).toEqual([]);
  });

  it.each(['startAsync', 'handleAsync', 'pageTitle'])('refuses @eventHandler() on %s', (name) => {
    expect(() => eventHandler()(function method() {}, { kind: 'method', name, static: false, private: false } as never)).toThrow(/lifecycle or built-in name/);
  });
});
