/** RFC 8288 `Link` header: the URL of the `rel="next"` link, if any. */
export function nextLinkUrl(header: string | string[] | undefined): string | undefined {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const value of values) {
    for (const match of value.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
      if (hasNextRel(match[2] ?? "")) return match[1];
    }
  }
  return undefined;
}

/** Whether `; a=b; rel="x next"` has a `rel` parameter whose space-separated values include `next`. */
function hasNextRel(params: string): boolean {
  for (const param of params.split(";")) {
    const at = param.indexOf("=");
    if (at === -1 || param.slice(0, at).trim().toLowerCase() !== "rel") continue;
    const value = param
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (value.split(/\s+/).some((rel) => rel.toLowerCase() === "next")) return true;
  }
  return false;
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
