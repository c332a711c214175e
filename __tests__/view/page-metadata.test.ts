import { assertLinkHref, assertLinkRel, assertMetaName, PageMetadata } from '../../lib/view/page-metadata';
import type { PageMetadataMessage } from '../../lib/contract/protocol';

function drained(head: PageMetadata): PageMetadataMessage[] {
  const out: PageMetadataMessage[] = [];
  head.drain(out);
  return out;
}

describe('PageMetadata', () => {
  describe('drain', () => {
    it('coalesces several sets of one key into the last value, title first', () => {
      const head = new PageMetadata();
      head.setMeta({ description: 'one' });
      head.setTitle('A');
      head.setMeta({ description: 'two', 'og:title': 'T' });
      head.setTitle('B');
      expect(drained(head)).toEqual([
        { type: 'page_metadata', action: 'title', value: 'B' },
        { type: 'page_metadata', action: 'meta', name: 'description', content: 'two' },
        { type: 'page_metadata', action: 'meta', name: 'og:title', content: 'T' },
      ]);
    });

    it('sends nothing for a value the client already shows (after the HTML render, or an earlier drain)', () => {
      const head = new PageMetadata();
      head.setTitle('Inbox');
      head.setMeta({ description: 'mail' });
      head.markRendered();
      head.setTitle('Inbox');
      head.setMeta({ description: 'mail' });
      expect(drained(head)).toEqual([]);
      head.setTitle('Inbox (1)');
      expect(drained(head)).toEqual([{ type: 'page_metadata', action: 'title', value: 'Inbox (1)' }]);
      head.setTitle('Inbox (1)');
      expect(drained(head)).toEqual([]);
    });

    it('forgetClient sends the next sets even when equal to what was sent', () => {
      const head = new PageMetadata();
      head.setTitle('A');
      drained(head);
      head.forgetClient();
      head.setTitle('A');
      expect(drained(head)).toEqual([{ type: 'page_metadata', action: 'title', value: 'A' }]);
    });

    it('removes with null, skips undefined, and turns numbers into text', () => {
      const head = new PageMetadata();
      head.setMeta({ description: 'x', keep: undefined, count: 3 });
      head.setLinks({ canonical: 'https://example.com/a' });
      drained(head);
      head.setMeta({ description: null });
      head.setLinks({ canonical: null });
      expect(head.meta).toEqual({ count: '3' });
      expect(drained(head)).toEqual([
        { type: 'page_metadata', action: 'meta', name: 'description', remove: true },
        { type: 'page_metadata', action: 'link', rel: 'canonical', remove: true },
      ]);
    });

    it('applies the title template to what the document shows, and shows no title as an empty one', () => {
      const head = new PageMetadata();
      head.formatTitle = (title) => (title === undefined ? 'Shop' : `${title} · Shop`);
      head.setTitle('Mugs');
      expect(head.title).toBe('Mugs');
      expect(head.documentTitle).toBe('Mugs · Shop');
      expect(drained(head)).toEqual([{ type: 'page_metadata', action: 'title', value: 'Mugs · Shop' }]);
      head.formatTitle = () => undefined;
      head.setTitle(null);
      expect(drained(head)).toEqual([{ type: 'page_metadata', action: 'title', value: '' }]);
    });
  });

  describe('takeOver and snapshot', () => {
    it('a view taking over sends its whole head and removes what the previous one showed that it lacks', () => {
      const previous = new PageMetadata();
      previous.setTitle('Old');
      previous.setMeta({ description: 'old', robots: 'noindex' });
      previous.setLinks({ canonical: '/old' });
      drained(previous);
      const next = new PageMetadata();
      next.setTitle('New');
      next.setMeta({ description: 'new' });
      next.markRendered();
      next.takeOver(previous);
      expect(drained(next)).toEqual([
        { type: 'page_metadata', action: 'title', value: 'New' },
        { type: 'page_metadata', action: 'meta', name: 'description', content: 'new' },
        { type: 'page_metadata', action: 'meta', name: 'robots', remove: true },
        { type: 'page_metadata', action: 'link', rel: 'canonical', remove: true },
      ]);
    });

    it('a snapshot restores title, meta and links and drops the pending sets', () => {
      const head = new PageMetadata();
      head.setTitle('Kept');
      head.setMeta({ description: 'kept' });
      head.markRendered();
      const restore = head.snapshot();
      head.setTitle('Failed');
      head.setMeta({ description: 'failed', extra: 'x' });
      head.setLinks({ icon: '/i.png' });
      restore();
      expect([head.title, head.meta, head.links]).toEqual(['Kept', { description: 'kept' }, {}]);
      expect(drained(head)).toEqual([]);
    });
  });

  describe('refusals', () => {
    it('refuses a title that is not text, saying how to write a number', () => {
      expect(() => new PageMetadata().setTitle(3)).toThrow(/pageTitle must be a string .*got the number 3; write it as text, e.g. `Inbox \(3\)`/);
    });

    it.each(['http-equiv', 'CHARSET', 'a b', '', 'x'.repeat(129)])('refuses the meta name %j', (name) => {
      expect(() => assertMetaName(name)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_META' }));
    });

    it('refuses meta values that are not text, numbers or null, and records that are not records, setting nothing', () => {
      const head = new PageMetadata();
      expect(() => head.setMeta({ description: 'ok', bad: {} })).toThrow(/pageMeta\["bad"\] must be a string, a number or null, got object/);
      expect(head.meta).toEqual({});
      expect(() => head.setMeta('description')).toThrow(/pageMeta takes a record/);
      expect(() => head.setLinks([])).toThrow(/pageLinks takes a record/);
    });

    it('refuses stylesheet and resource-hint rels, and unsafe hrefs', () => {
      for (const rel of ['stylesheet', 'preload', 'prefetch', 'preconnect']) expect(() => assertLinkRel(rel)).toThrow(/load resources; write them in the template/);
      for (const href of ['javascript:alert(1)', 'java\tscript:x', 'data:text/html,x', 'vbscript:x', '']) expect(() => assertLinkHref('canonical', href)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_META' }));
      expect(() => assertLinkHref('icon', 'data:image/png;base64,AAAA')).not.toThrow();
      expect(() => assertLinkHref('canonical', 'data:image/png;base64,AAAA')).toThrow();
      for (const href of ['https://example.com/a', '//cdn.example.com/i.png', '/local', 'rel/ative']) expect(() => assertLinkHref('canonical', href)).not.toThrow();
    });

    it('lower-cases rels: "Canonical" and "canonical" are one link', () => {
      const head = new PageMetadata();
      head.setLinks({ Canonical: '/a' });
      head.setLinks({ canonical: '/b' });
      expect(head.links).toEqual({ canonical: '/b' });
    });
  });
});
