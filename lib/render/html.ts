import { Parser } from 'htmlparser2';
import { ROOT_ATTR } from '../contract/contract';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string);
}

/** Candidate opening tags that mention `dj-root` after whitespace (confirmed by the parser). */
const ROOT_TAG_RE = new RegExp(`<[A-Za-z][^\\s/>]*(?:\\s+[^>]*?)?\\s${ROOT_ATTR}(?:[\\s=/>])`, 'g');

/** One attribute of a start tag: a name and an optional value, quoted (may hold `>`) or not. */
export const TAG_ATTR = String.raw`\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>\x60]+))?`;

/**
 * ROOT_TAG_RE for tags whose quoted attribute values before dj-root hold `>` (`x-data="{ a > b }"`),
 * which ROOT_TAG_RE cannot cross: slower, so only tried when ROOT_TAG_RE finds nothing.
 */
const QUOTED_ROOT_TAG_RE = new RegExp(String.raw`<[A-Za-z][^\s/>]*(?:${TAG_ATTR})*?\s+${ROOT_ATTR}[\s=/>]`, 'g');

/**
 * Where ROOT_TAG_RE's first match can start, found with a fast substring search instead of
 * running the regex over the whole head: a match's tag holds no `>` before its `dj-root`, so
 * it starts after the last `>` that precedes the first `dj-root` in the page. Same first match
 * as scanning from 0; html.length (no match) when the page never mentions dj-root.
 */
function candidatesFrom(html: string): number {
  const first = html.indexOf(ROOT_ATTR);
  return first === -1 ? html.length : html.lastIndexOf('>', first) + 1;
}

/** Offsets of the content of the live region: `html.slice(start, end)` is its inner HTML. */
export interface RegionBounds {
  /** Index of the `<` of the dj-root element's opening tag. */
  tagStart: number;
  start: number;
  end: number;
}

/**
 * Finds the element with the `dj-root` attribute and returns where its content starts and
 * ends. Parses only from that tag on, with a real HTML parser, so `<div>` inside comments,
 * scripts, void elements and implied end tags are handled as a browser would.
 */
export function findRegion(html: string): RegionBounds | null {
  return scan(html, ROOT_TAG_RE, candidatesFrom(html)) ?? scan(html, QUOTED_ROOT_TAG_RE, 0);
}

function scan(html: string, re: RegExp, from: number): RegionBounds | null {
  re.lastIndex = from;
  for (let match = re.exec(html); match; match = re.exec(html)) {
    const found = regionAt(html, match.index);
    if (typeof found !== 'number') return found;
    re.lastIndex = found;
  }
  return null;
}

/**
 * The region whose opening tag starts at `tagStart`; if that tag has no dj-root attribute
 * (the text was inside an attribute value), the index to go on searching from: the end of
 * that tag, so a look-alike inside its attribute values is not taken for a tag.
 */
function regionAt(html: string, tagStart: number): RegionBounds | number {
  let depth = 0;
  let start = -1;
  let end = -1;
  let rejected = -1;
  const parser: Parser = new Parser(
    {
      onopentag(_name, attribs) {
        if (end !== -1 || rejected !== -1) return;
        if (depth === 0) {
          if (!(ROOT_ATTR in attribs)) {
            rejected = tagStart + parser.endIndex + 1;
            return;
          }
          start = tagStart + parser.endIndex + 1;
        }
        depth += 1;
      },
      onclosetag() {
        if (end !== -1 || rejected !== -1) return;
        depth -= 1;
        if (depth === 0) end = tagStart + parser.startIndex;
      },
    },
    { decodeEntities: false },
  );
  parser.end(html.slice(tagStart));
  if (rejected !== -1) return rejected;
  if (start === -1) return tagStart + 1;
  if (end === -1 || end < start) end = html.length;
  return { tagStart, start, end };
}

/**
 * End of the opening tag that starts at `tagStart` (index after its `>`), and whether it
 * carries the dj-root attribute outside any quoted value. Quote-aware: `>` inside a quoted
 * attribute value does not end the tag.
 */
function openingTag(html: string, tagStart: number, attrAt: number): { end: number; hasRoot: boolean } | null {
  let quote = '';
  let rootOutsideQuotes = false;
  for (let i = tagStart + 1; i < html.length; i += 1) {
    const ch = html[i];
    if (i === attrAt) rootOutsideQuotes = quote === '';
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '>') {
      return { end: i + 1, hasRoot: rootOutsideQuotes };
    }
  }
  return null;
}

/**
 * `findRegion` for a re-render of a page whose text after the region (`suffix`: the dj-root
 * closing tag and everything after it) is known from an earlier render. When the new page
 * still ends with it, only the opening tag is scanned instead of parsing the whole region;
 * otherwise this is `findRegion`. Returns the bounds and the suffix to pass next time.
 */
export function findRegionAgain(html: string, suffix: string | undefined): { bounds: RegionBounds; suffix: string } | null {
  if (suffix !== undefined && html.endsWith(suffix)) {
    const end = html.length - suffix.length;
    const bounds = scanAgain(html, end, ROOT_TAG_RE, candidatesFrom(html)) ?? scanAgain(html, end, QUOTED_ROOT_TAG_RE, 0);
    if (bounds) return { bounds, suffix };
  }
  const bounds = findRegion(html);
  return bounds && { bounds, suffix: ownCopy(html.slice(bounds.end)) };
}

/**
 * The page text before the region's content (`html.slice(0, bounds.start)`) when it decides
 * the region alone, else null: then any page that starts with it and ends with a suffix
 * `findRegionAgain` was given has its region right between the two — what findRegionAgain
 * finds, without its regex and tag scan (a click's re-render: lib/render/renderer.ts).
 *
 * Why that holds: findRegionAgain's quick scan (ROOT_TAG_RE) found the tag in `html` and it
 * ends where the prefix ends, with a `>`. ROOT_TAG_RE can take a `>` only as its last
 * character, so every match it tries before that tag lies inside the prefix; whether a tag
 * carries dj-root outside quotes is read before its dj-root; and the tag's own end is the
 * prefix's end. Nothing after the prefix is read, so another page with the same prefix gives
 * the same tag. Null when the quick scan did not find this region (the quote-aware or full
 * parse did), so no other case is taken.
 */
export function regionPrefix(html: string, bounds: RegionBounds): string | null {
  const found = scanAgain(html, bounds.end, ROOT_TAG_RE, candidatesFrom(html));
  if (found === null || found.tagStart !== bounds.tagStart || found.start !== bounds.start || html.charCodeAt(bounds.start - 1) !== 62 /* > */) return null;
  return ownCopy(html.slice(0, bounds.start));
}

/** The region whose content ends at `end` (the known suffix), from the first dj-root tag `re` finds. */
function scanAgain(html: string, end: number, re: RegExp, from: number): RegionBounds | null {
  re.lastIndex = from;
  for (let match = re.exec(html); match; match = re.exec(html)) {
    const tag = openingTag(html, match.index, match.index + match[0].length - ROOT_ATTR.length - 1);
    if (tag?.hasRoot) return tag.end <= end ? { tagStart: match.index, start: tag.end, end } : null;
    re.lastIndex = match.index + 1;
  }
  return null;
}

/**
 * `part` as a string of its own. V8 makes `slice` results of 13+ characters views into the
 * whole string, so a region or suffix kept per live connection would keep its whole rendered
 * page alive (an 18 KB page per idle connection); this copies just the part (one memcpy).
 */
export function ownCopy(part: string): string {
  return part.length < 13 ? part : (` ${part}`).slice(1);
}
