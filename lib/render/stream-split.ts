import { Parser } from 'htmlparser2';
import { DjustError } from '../core/errors';

/** One child of a `dj-update="stream"` container as rendered: its DOM id and markup. */
export interface RenderedStreamChild {
  readonly id: string;
  readonly html: string;
}

/** A `dj-update="stream"` container as rendered: its id and its element children. */
export interface RenderedStreamContainer {
  readonly id: string;
  readonly children: RenderedStreamChild[];
}

/** A render with the content of its stream containers cut out (`html`), and that content (`containers`). */
export interface StreamSplit {
  readonly html: string;
  readonly containers: RenderedStreamContainer[];
}

const STREAM_RE = /dj-update\s*=\s*["']?stream/i;

/**
 * Cuts the children out of every `dj-update="stream"` element of a rendered region. The
 * diff then always sees the containers empty (their children belong to the client, as
 * `dj-update="ignore"`'s do), and the children travel as stream inserts (docs/streams.md).
 * Returns null when the render has no stream container. Throws a DjustError
 * (`DJUST_ERR_TEMPLATE`) for a container without an id or end tag, or a child that is not an
 * element with an id.
 *
 * @example
 * splitStreams('<ul id="log" dj-update="stream"><li id="log-1">a</li></ul>');
 * // { html: '<ul id="log" dj-update="stream"></ul>', containers: [{ id: 'log', children: [{ id: 'log-1', html: '<li id="log-1">a</li>' }] }] }
 */
export function splitStreams(html: string): StreamSplit | null {
  const found = STREAM_RE.exec(html);
  if (found === null) return null;
  // parsed from the tag of the first container on: what comes before holds none (an end tag
  // without its start tag is dropped by the parser), so a big page with a small stream parses little
  const from = Math.max(0, html.lastIndexOf('<', found.index));
  const containers: RenderedStreamContainer[] = [];
  /** Content ranges to cut: [start, end) pairs. */
  const cuts: number[] = [];
  let depth = 0;
  let box: { id: string; depth: number; start: number; children: RenderedStreamChild[] } | null = null;
  let childStart = -1;
  let childId = '';
  const parser: Parser = new Parser(
    {
      onopentag(name, attribs) {
        depth += 1;
        if (box === null) {
          if (attribs['dj-update'] !== 'stream') return;
          const id = attribs.id;
          if (!id) throw templateError(`a <${name} dj-update="stream"> has no id; give the stream container an id (e.g. <${name} id="messages" dj-update="stream">).`);
          box = { id, depth, start: from + parser.endIndex + 1, children: [] };
        } else if (depth === box.depth + 1) {
          const id = attribs.id;
          if (!id) throw templateError(`a <${name}> inside the stream container #${box.id} has no id; each child must carry its DOM id: {% for id, item in streams.name %}<${name} id="{{ id }}">…</${name}>{% endfor %}.`);
          childStart = from + parser.startIndex;
          childId = id;
        }
      },
      onclosetag(name, implied) {
        if (box !== null) {
          if (depth === box.depth + 1) {
            box.children.push({ id: childId, html: html.slice(childStart, from + parser.endIndex + 1) });
          } else if (depth === box.depth) {
            if (implied) throw templateError(`the stream container #${box.id} has no end tag; write </${name}>.`);
            cuts.push(box.start, from + parser.startIndex);
            containers.push({ id: box.id, children: box.children });
            box = null;
          }
        }
        depth -= 1;
      },
      ontext(text) {
        if (box !== null && depth === box.depth && text.trim() !== '') {
          throw templateError(`the stream container #${box.id} has text directly inside it (${JSON.stringify(text.trim().slice(0, 40))}); only elements with an id may be its children.`);
        }
      },
    },
    { decodeEntities: true },
  );
  parser.end(from === 0 ? html : html.slice(from));
  if (containers.length === 0) return null;
  let out = '';
  let kept = 0;
  for (let i = 0; i < cuts.length; i += 2) {
    out += html.slice(kept, cuts[i]);
    kept = cuts[i + 1] as number;
  }
  return { html: out + html.slice(kept), containers };
}

function templateError(message: string): DjustError {
  return new DjustError('DJUST_ERR_TEMPLATE', `djust-lite streams: ${message}`);
}
