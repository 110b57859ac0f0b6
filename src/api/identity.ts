import { z } from "zod";

/**
 * Whose name a Deploy API protected route runs under: the `Identity` header (an email) or the platform's
 * `authtoken` JWT cookie. Built only by `identityFromEmail`/`identityFromJwt`, which validate the value,
 * so a header can never carry a newline or a cookie separator.
 */
export type Identity =
  | { readonly kind: "header"; readonly email: string }
  | { readonly kind: "cookie"; readonly jwt: string };

const email = z.email();
const jwt = z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, "not a JWT");

export function identityFromEmail(value: string): Identity {
  return { kind: "header", email: email.parse(value.trim()) };
}

export function identityFromJwt(value: string): Identity {
  return { kind: "cookie", jwt: jwt.parse(value.trim()) };
}

/** The headers that carry an identity to the Deploy API. */
export function identityHeaders(identity: Identity): Record<string, string> {
  return identity.kind === "header" ? { identity: identity.email } : { cookie: `authtoken=${identity.jwt}` };
}

export function describeIdentity(identity: Identity): string {
  return identity.kind === "header" ? identity.email : "platform JWT (authtoken cookie)";
}
