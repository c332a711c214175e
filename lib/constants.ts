/** Attribute that marks the live region. */
export const ROOT_ATTR = 'dj-root';

/** Meta names: letters, digits and `_ . : -`, 1–128 characters. */
export const META_NAME_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Names that match META_NAME_RE but would change how the document is interpreted. */
export const REFUSED_META_NAMES: ReadonlySet<string> = new Set(['http-equiv', 'charset']);

/** Meta names with these prefixes are written as `<meta property=…>` (Open Graph, Twitter). */
export const PROPERTY_META_PREFIXES = ['og:', 'twitter:'] as const;
