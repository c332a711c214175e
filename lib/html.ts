import { Parser } from 'htmlparser2';
import { ROOT_ATTR } from './constants';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string);
}

/** Start of the first opening tag that carries the `dj-root` attribute, or -1. */
const ROOT_TAG_RE = new RegExp(`<[A-Za-z][^\\s/>]*(?:\\s+[^>]*?)?\\s${ROOT_ATTR}(?:[\\s=/>])`);

/** Offsets of the content of the live region: `html.slice(start, end)` is its inner HTML. */
export interface RegionBounds {
  /** Index of the `<` of the dj-root element's opening tag. */
  tagStart: number;
  /** The opening tag itself (kept so the client can check the root it patches). */
  start: number;
  end: number;
}

/**
 * Finds the element with the `dj-root` attribute and returns where its content starts and
 * ends. Parses only from that tag on, with a real HTML parser, so `<div>` inside comments,
 * scripts, void elements and implied end tags are handled as a browser would.
 */
export function findRegion(html: string): RegionBounds | null {
  const match = ROOT_TAG_RE.exec(html);
  if (!match) return null;
  const tagStart = match.index;
  let depth = 0;
  let start = -1;
  let end = -1;
  const parser: Parser = new Parser(
    {
      onopentag() {
        if (end !== -1) return;
        if (depth === 0) start = tagStart + parser.endIndex + 1;
        depth += 1;
      },
      onclosetag() {
        if (end !== -1) return;
        depth -= 1;
        if (depth === 0) end = tagStart + parser.startIndex;
      },
    },
    { decodeEntities: false },
  );
  parser.end(html.slice(tagStart));
  if (start === -1) return null;
  if (end === -1 || end < start) end = html.length;
  return { tagStart, start, end };
}
