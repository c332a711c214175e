import { selectAll } from 'css-select';
import type { Document, Element } from 'domhandler';
import { DomUtils, parseDocument } from 'htmlparser2';
import { DjustError } from '../core/errors';
import type { TextFilter } from './results';


/**
 * The live region's HTML as a tree to query with CSS selectors (css-select over htmlparser2),
 * parsed afresh for each question so it is always the region as it is now. Its elements are
 * the `domhandler` nodes; the form and event code (browser-params.ts) reads them as the
 * browser client reads the DOM.
 */
export class RegionDom {
  readonly document: Document;

  constructor(html: string) {
    this.document = parseDocument(html, { decodeEntities: true });
  }

  /** Every element `selector` matches, in document order, narrowed by `text`. Throws on a selector css-select cannot parse. */
  all(selector: string, text?: TextFilter): Element[] {
    let found: Element[];
    try {
      found = selectAll<Document | Element, Element>(selector, this.document);
    } catch (err) {
      throw new DjustError('DJUST_ERR_LIVE_TEST_ELEMENT', `liveTest: "${selector}" is not a CSS selector css-select understands: ${(err as Error).message}`, { cause: err });
    }
    return text === undefined ? found : found.filter((el) => matchesText(el, text));
  }

  /**
   * The one element `selector` (and `text`) match; throws a DjustError naming the selector and
   * how many matched when none or several do, as LiveViewTest's element/2 does.
   */
  one(selector: string, text: TextFilter | undefined, what: string): Element {
    const bySelector = this.all(selector);
    const found = text === undefined ? bySelector : bySelector.filter((el) => matchesText(el, text));
    if (found.length === 1) return found[0] as Element;
    const filter = text === undefined ? '' : ` with text ${showFilter(text)}`;
    if (found.length === 0) {
      const hint = text !== undefined && bySelector.length > 0
        ? ` ${bySelector.length} element(s) match the selector; their text: ${bySelector.slice(0, 5).map((el) => JSON.stringify(squash(DomUtils.textContent(el)).slice(0, 40))).join(', ')}${bySelector.length > 5 ? ', …' : ''}.`
        : ` The region now: ${JSON.stringify(squash(DomUtils.getOuterHTML(this.document.children)).slice(0, 300))}`;
      throw new DjustError('DJUST_ERR_LIVE_TEST_ELEMENT', `liveTest: ${what}: selector "${selector}"${filter} matched no element.${hint}`);
    }
    throw new DjustError('DJUST_ERR_LIVE_TEST_ELEMENT', `liveTest: ${what}: selector "${selector}"${filter} matched ${found.length} elements, it must match exactly one: ${found.slice(0, 3).map(openTag).join(', ')}${found.length > 3 ? ', …' : ''}. Narrow the selector or add a text filter.`);
  }

  /** The element with `id`, or null. */
  byId(id: string): Element | null {
    return DomUtils.findOne((el) => el.attribs.id === id, this.document.children, true);
  }

  /** Every element in document order that `test` accepts. */
  filter(test: (el: Element) => boolean): Element[] {
    return DomUtils.findAll(test, this.document.children);
  }

  /** The region's HTML now (serialised from the tree). */
  html(): string {
    return DomUtils.getOuterHTML(this.document.children, { decodeEntities: true, encodeEntities: 'utf8' });
  }
}

/** `el` itself or its nearest ancestor that `test` accepts, as `Element.closest`. */
export function closest(el: Element, test: (el: Element) => boolean): Element | null {
  for (let node: Element | null = el; node; node = node.parent && DomUtils.isTag(node.parent) ? node.parent : null) {
    if (test(node)) return node;
  }
  return null;
}

/** Whether `ancestor` contains `el` (or is it). */
export function contains(ancestor: Element, el: Element): boolean {
  return closest(el, (node) => node === ancestor) !== null;
}

/** The element's HTML (outer), as `render(element)` answers it. */
export function outerHtml(el: Element): string {
  return DomUtils.getOuterHTML(el, { decodeEntities: true, encodeEntities: 'utf8' });
}

/** The element's text content (what `textContent` gives). */
export function textOf(el: Element): string {
  return DomUtils.textContent(el);
}

/** `<button dj-click="save" …>`: how an error names an element. */
export function openTag(el: Element): string {
  const attrs = Object.entries(el.attribs).map(([name, value]) => (value === '' ? name : `${name}="${value}"`));
  return `<${[el.name, ...attrs].join(' ')}>`;
}

function matchesText(el: Element, text: TextFilter): boolean {
  const content = DomUtils.textContent(el);
  return typeof text === 'string' ? squash(content).includes(squash(text)) : content.search(text) !== -1; // search(): a /g RegExp keeps no lastIndex
}

function showFilter(text: TextFilter): string {
  return typeof text === 'string' ? JSON.stringify(text) : String(text);
}

/** Whitespace runs as one space, trimmed (text filters ignore how the template indents). */
function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
