/** RFC 8288 `Link` header: the URL of the `rel="next"` link, if any. */
export function nextLinkUrl(header: string | string[] | undefined): string | undefined {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const value of values) {
    for (const match of value.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
      const params = match[2] ?? "";
      if (/;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(params)) return match[1];
    }
  }
  return undefined;
}

/** The value of one query parameter in the `rel="next"` link (Calyptia puts its cursor in `before`). */
export function nextLinkParam(header: string | string[] | undefined, param: string): string | undefined {
  const link = nextLinkUrl(header);
  if (link === undefined) return undefined;
  try {
    return new URL(link, "http://relative.invalid").searchParams.get(param) ?? undefined;
  } catch {
    return undefined;
  }
}
