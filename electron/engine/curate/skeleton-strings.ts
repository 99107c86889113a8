/**
 * Python string literals for the skeleton lexer (syntax-skeleton.ts): where one ends, and runs of
 * them (implicit concatenation, docstrings). Each returns -1 where the lexer cannot be sure.
 */

export const STRING_PREFIX = /^(?:[rRuUbBfFtT]|[rR][bBfFtT]|[bBfFtT][rR]|[uU][rR])$/;

/**
 * Skips a string literal whose opening quote is at `i` (after any prefix); returns the index after
 * it, or -1 when the lexer cannot be sure where it ends.
 */
export function skipString(text: string, i: number, formatted: boolean): number {
  const q = text.charCodeAt(i);
  const triple = text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q;
  let p = i + (triple ? 3 : 1);
  /** Depth of replacement fields (f-strings only), and of brackets in their expressions. */
  let depth = 0;
  let brackets = 0;
  /** A format spec has begun (`{x:'>10}`): its quotes are fill characters, not strings. */
  let spec = false;
  while (p < text.length) {
    const c = text.charCodeAt(p);
    if (c === 92 /* \ */) {
      p += 2;
      continue;
    }
    if (depth > 0) {
      if (c === q) return -1;
      if (c === 35 /* # */) return -1;
      if (c === 34 || c === 39) {
        // A quote in a format spec may be a fill character or a string: only the parse can tell.
        if (spec) return -1;
        // A string inside a replacement field (the other quote).
        const end = skipString(text, p, false);
        if (end < 0) return -1;
        p = end;
        continue;
      }
      if (c === 40 || c === 91 || (c === 123 && !spec)) brackets++;
      else if (c === 123) depth++;
      else if ((c === 41 || c === 93 || c === 125) && brackets > 0) brackets--;
      else if (c === 125) {
        if (--depth === 0) spec = false;
      } else if (c === 58 /* : */ && brackets === 0 && text.charCodeAt(p + 1) !== 61) spec = true;
      p++;
      continue;
    }
    if (c === q) {
      if (!triple) return p + 1;
      if (text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q) return p + 3;
      p++;
      continue;
    }
    if (!triple && (c === 10 || c === 13)) return -1;
    if (formatted && c === 123 /* { */) {
      if (text.charCodeAt(p + 1) === 123) p += 2;
      else {
        depth = 1;
        p++;
      }
      continue;
    }
    p++;
  }
  return -1;
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Where the string literal starting at `i` (prefix included) ends; 0 when none starts there, -1 when unsure. */
function stringAt(text: string, i: number): number {
  let q = i;
  while (q - i < 3 && isLetter(text.charCodeAt(q))) q++;
  const quote = text.charCodeAt(q);
  if (quote !== 34 && quote !== 39) return 0;
  const prefix = text.slice(i, q);
  // tree-sitter takes any mix of prefix letters (`ub"x"`) for a string; Python and this lexer do not.
  if (prefix && !STRING_PREFIX.test(prefix)) return /^[rRuUbBfFtT]+$/.test(prefix) ? -1 : 0;
  // A longer word ending in a quote (`xrb"..."`) is a name then a string: not a prefix.
  if (i > 0 && prefix && /[A-Za-z0-9_]/.test(text[i - 1])) return 0;
  return skipString(text, q, /[fFtT]/.test(prefix));
}

/**
 * The run of string literals (implicitly concatenated) starting at `i`: its end, how many, and
 * whether the statement ends after it (a newline, `;`, a comment or the end). Undefined when no
 * string starts at `i`, null when the lexer is unsure where one ends.
 */
export function stringRun(text: string, i: number): { end: number; count: number; bare: boolean } | null | undefined {
  let end = stringAt(text, i);
  if (end === 0) return undefined;
  let count = 0;
  for (;;) {
    if (end < 0) return null;
    count++;
    let r = end;
    for (;;) {
      const c = text.charCodeAt(r);
      if (c === 32 || c === 9 || c === 12) r++;
      else if (c === 92 && text.charCodeAt(r + 1) === 10) r += 2;
      else if (c === 92 && text.charCodeAt(r + 1) === 13) r += text.charCodeAt(r + 2) === 10 ? 3 : 2;
      else break;
    }
    const next = stringAt(text, r);
    if (next === 0) {
      const c = text.charCodeAt(r);
      return { end, count, bare: r >= text.length || c === 10 || c === 13 || c === 59 || c === 35 };
    }
    end = next;
  }
}
