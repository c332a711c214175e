import nunjucks from 'nunjucks';
import { COMPONENT_ATTR } from '../contract/contract';
import { DjustError } from '../core/errors';
import { RegionState, type PatchOp } from './region';

/**
 * LiveComponents in templates: the `{% live_component Row, id=r.id, row=r %}` tag, the markers a
 * live render leaves where each component goes, and the per-component region state that diffs
 * a component's renders on its own. It knows no component class (lib/view/live-component.ts):
 * the tag calls the `ComponentHost` it finds in the context.
 */

/** Context key of the view's component host; not meant for templates. */
export const COMPONENTS_KEY = '__djust_components';

/** What the `live_component` tag calls: lib/view/component-set.ts. */
export interface ComponentHost {
  /**
   * The HTML (or, during a live render, the marker) for component class `componentClass` with
   * the tag's keyword arguments `assigns` (`id` among them), rendered with `env`.
   */
  renderComponent(env: nunjucks.Environment, componentClass: unknown, assigns: Record<string, unknown>): string;
}

/** Starts a marker: `\uE000<cid>\uE001` stands for component `cid` in a live render. */
const OPEN = '\uE000';
const CLOSE = '\uE001';

/** The marker a live render leaves for component `cid`. */
export function componentMarker(cid: number): string {
  return `${OPEN}${cid}${CLOSE}`;
}

/**
 * A live render cut at its component markers: `parts[0]`, then per component its cid and the
 * text after it. Keeping it lets the region be rebuilt with the components' current HTML
 * without rendering the parent again.
 */
export interface Segments {
  readonly statics: readonly string[];
  readonly cids: readonly number[];
}

/**
 * Splits `html` at its markers; null when it has none (no component: nothing to keep). A
 * component rendered twice (one class and id in two places) is refused: the browser could not
 * tell the two elements apart.
 */
export function segmentsOf(html: string): Segments | null {
  if (!html.includes(OPEN)) return null;
  const pieces = html.split(OPEN);
  const statics: string[] = [pieces[0] as string];
  const cids: number[] = [];
  const seen = new Set<number>();
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i] as string;
    const close = piece.indexOf(CLOSE);
    const cid = close > 0 ? Number(piece.slice(0, close)) : NaN;
    if (!Number.isSafeInteger(cid)) {
      throw new DjustError('DJUST_ERR_TEMPLATE', 'the live region holds the character U+E000 outside a live_component tag; remove it from the data the template shows.');
    }
    if (seen.has(cid)) {
      throw new DjustError('DJUST_ERR_TEMPLATE', `a LiveComponent (dj-cid ${cid}) is rendered twice in one render: {% live_component %} with the same class and id appears in two places; give each its own id.`);
    }
    seen.add(cid);
    cids.push(cid);
    statics.push(piece.slice(close + 1));
  }
  return { statics, cids };
}

/** The region `segments` stands for, each component's HTML from `htmlOf(cid)`. */
export function joinSegments(segments: Segments, htmlOf: (cid: number) => string): string {
  const { statics, cids } = segments;
  let out = statics[0] as string;
  for (let i = 0; i < cids.length; i++) out += htmlOf(cids[i] as number) + (statics[i + 1] as string);
  return out;
}

/**
 * Where a browser parses a component whose root element is `tag`: the parent the diff parses
 * its HTML in (a `<tr>` only parses as a row inside a table body).
 */
const CONTAINER: Record<string, string> = { tr: 'tbody', td: 'tr', th: 'tr', tbody: 'table', thead: 'table', tfoot: 'table', caption: 'table', colgroup: 'table', col: 'colgroup', li: 'ul', option: 'select', optgroup: 'select', dt: 'dl', dd: 'dl' };

/** A component's HTML as sent: one root element carrying `dj-cid`, no whitespace around it. */
export function stampComponent(html: string, cid: number, name: string): { html: string; tag: string } {
  const trimmed = html.trim();
  const open = /^<([A-Za-z][^\s/>]*)/.exec(trimmed);
  if (open === null) {
    throw new DjustError('DJUST_ERR_TEMPLATE', `${name}: a LiveComponent's template must render one root element (such as <tr>…</tr> or <div>…</div>); it rendered ${JSON.stringify(trimmed.slice(0, 60))}.`);
  }
  const tag = (open[1] as string).toLowerCase();
  const at = open[0].length;
  return { html: `${trimmed.slice(0, at)} ${COMPONENT_ATTR}="${cid}"${trimmed.slice(at)}`, tag };
}

/**
 * A patch op addressed to a component (docs/diff-format.md): its path starts with the
 * component's page id as a string (its `dj-cid`), then child indices from its root element —
 * `["t", ["12", 1, 0], "3"]`.
 */
export type ComponentOp = [string, [string, ...number[]], ...(string | number | null)[]];

/**
 * A component's HTML as the client last received it, diffed on its own when only the
 * component changed. The ops it returns are addressed to the component; a change of its root
 * element's place (or of what surrounds it) replaces the element whole (`["r", ["12"], html]`).
 */
export class ComponentRegion {
  readonly #region: RegionState;
  readonly #cid: string;

  constructor(html: string, tag: string, cid: number) {
    this.#region = new RegionState(html, { rootTag: CONTAINER[tag] ?? '' });
    this.#cid = String(cid);
  }

  /** Adds to `out` what to send for the component's render `next` (nothing when its DOM would not change). */
  update(next: string, out: ComponentOp[], debug?: (message: string) => void): void {
    const patch = this.#region.update(next, debug);
    if (patch === null) return;
    const cid = this.#cid;
    const whole: ComponentOp = ['r', [cid], next];
    if ('html' in patch) {
      out.push(whole);
      return;
    }
    const start = out.length;
    for (const op of patch.ops) {
      const path = op[1] as PatchOp[1];
      // only ops inside (or on) the root element address it; the rest replace it whole
      if (path.length === 0 || path[0] !== 0) {
        out.length = start;
        out.push(whole);
        return;
      }
      out.push([op[0], [cid, ...path.slice(1)], ...op.slice(2)] as ComponentOp);
    }
  }
}

type NunjucksNodes = { CallExtension: new (ext: object, method: string, args: unknown, body: unknown) => unknown };
type NunjucksParser = {
  nextToken(): { value: string };
  parseSignature(a: null, b: boolean): unknown;
  advanceAfterBlockEnd(name: string): void;
};

/**
 * `{% live_component Row, id=row.id, row=row %}`: a LiveComponent of class `Row` (a value of the
 * context: pass the class to the view's fields or `app.locals`, or register it with
 * `env.addGlobal`), keyed by class and `id`, given the other keyword arguments as assigns.
 */
export const liveComponentTag = {
  tags: ['live_component'],
  parse(parser: NunjucksParser, nodes: NunjucksNodes): unknown {
    const token = parser.nextToken();
    const args = parser.parseSignature(null, true);
    parser.advanceAfterBlockEnd(token.value);
    return new nodes.CallExtension(this, 'run', args, null);
  },
  run(context: { ctx: Record<string, unknown>; env: nunjucks.Environment }, ...args: unknown[]): unknown {
    const last = args.at(-1) as Record<string, unknown> | undefined;
    const keywords = last !== undefined && last !== null && typeof last === 'object' && last.__keywords === true ? (args.pop() as Record<string, unknown>) : {};
    const [componentClass, ...rest] = args;
    if (rest.length > 0) throw new DjustError('DJUST_ERR_TEMPLATE', '{% live_component %} takes the component class, then keyword arguments: {% live_component Row, id=row.id, row=row %}.');
    const assigns: Record<string, unknown> = {};
    for (const key of Object.keys(keywords)) if (key !== '__keywords') assigns[key] = keywords[key];
    const host = context.ctx[COMPONENTS_KEY] as ComponentHost | undefined;
    if (host === undefined) {
      throw new DjustError('DJUST_ERR_TEMPLATE', '{% live_component %} renders only in a LiveView\'s template (or a template it includes); this render has no view.');
    }
    return new nunjucks.runtime.SafeString(host.renderComponent(context.env, componentClass, assigns));
  },
};
