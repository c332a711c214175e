import { describeValue, DjustError } from '../core/errors';

/** A title template: `'%s | Store'` (`%s` is the view's title) or a function. */
export type TitleTemplate = string | ((title: string | undefined) => string | undefined);

export const TITLE_TEMPLATE_SHAPE = 'a string containing "%s" (e.g. "%s | Store") or a function';

export function isTitleTemplate(value: unknown): boolean {
  return typeof value === 'function' || (typeof value === 'string' && value.includes('%s'));
}

/**
 * Checks a title template given outside the options (a view's `static titleTemplate`);
 * `where` names it in the error (`route("/x", View): static titleTemplate`).
 */
export function checkTitleTemplate(value: unknown, where: string): TitleTemplate | null {
  if (value === undefined || value === null) return null;
  if (isTitleTemplate(value)) return value as TitleTemplate;
  throw new DjustError('DJUST_ERR_INVALID_ROUTE', `${where} must be ${TITLE_TEMPLATE_SHAPE}, got ${describeValue(value)}.`);
}

/**
 * Resolves a title template into a formatter. A string template replaces `%s` with the view's
 * title; a function gets the title (or undefined) and returns the document title. With no
 * title, or a function that returns undefined, `defaultTitle` is used.
 */
export function titleFormatter(template: TitleTemplate | null, defaultTitle: string | null): (title: string | undefined) => string | undefined {
  return (title) => {
    let shown: unknown;
    if (typeof template === 'function') shown = template(title);
    else if (title !== undefined && title !== '') shown = template === null ? title : template.replace(/%s/g, () => title);
    return typeof shown === 'string' ? shown : defaultTitle ?? undefined;
  };
}
