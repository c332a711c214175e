import { eventHandler, handlersOf } from '../lib/decorators';
import { LiveView } from '../lib/live-view';

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
