/**
 * The OAUTHBEARER client initial response (RFC 7628 section 3.1), read as Kafka's
 * OAuthBearerClientInitialResponse reads it: a GS2 header `n,` with an optional authorization id
 * `a=<saslname>`, then \x01-separated key=value pairs holding `auth=Bearer <token>` and any SASL
 * extensions, closed by \x01\x01. Kafka's character classes are kept, so a message Kafka refuses is
 * refused here too (e.g. a token with `=` padding or `+`).
 */

const SEP = '\x01';
/** RFC 5801 saslname: any US-ASCII but NUL, `,` and `=`, which appear escaped as =2C and =3D. */
const SASLNAME = '(?:[\\x01-\\x2b\\x2d-\\x3c\\x3e-\\x7f]|=2C|=3D)+';
const KEY = '[A-Za-z]+';
const VALUE = '[\\x21-\\x7E \\t\\r\\n]+';
const MESSAGE = new RegExp(`^n,(?:a=(${SASLNAME}))?,${SEP}((?:${KEY}=${VALUE}${SEP})*)${SEP}$`);
const AUTH = /^(\w+) +([-_.a-zA-Z0-9]+)$/;
const EXT_KEY = new RegExp(`^${KEY}$`);
const EXT_VALUE = new RegExp(`^${VALUE}$`);

export interface ClientInitialResponse {
  /** The authorization id the client asked for; empty when it left it to the token. */
  authorizationId: string;
  /** The bearer token (a compact JWS for both validators). */
  token: string;
  extensions: Map<string, string>;
}

/** A malformed client message. Its text goes to logs and to the client: it never quotes the token. */
export class ClientResponseError extends Error {}

export function parseClientInitialResponse(bytes: Buffer): ClientInitialResponse {
  const text = bytes.toString('utf8');
  const m = MESSAGE.exec(text);
  if (!m) throw new ClientResponseError('Invalid OAUTHBEARER client first message');
  const authorizationId = (m[1] ?? '').replace(/=2C/g, ',').replace(/=3D/g, '=');
  const pairs = new Map<string, string>();
  for (const kv of m[2].split(SEP)) {
    if (kv === '') continue;
    const eq = kv.indexOf('=');
    pairs.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  const auth = pairs.get('auth');
  if (auth === undefined) throw new ClientResponseError("Invalid OAUTHBEARER client first message: 'auth' not specified");
  pairs.delete('auth');
  for (const [k, v] of pairs) {
    if (!EXT_KEY.test(k)) throw new ClientResponseError(`Extension name ${k} is invalid`);
    if (!EXT_VALUE.test(v)) throw new ClientResponseError(`Extension value for extension ${k} is invalid`);
  }
  const a = AUTH.exec(auth);
  if (!a) throw new ClientResponseError("Invalid OAUTHBEARER client first message: invalid 'auth' format");
  if (a[1].toLowerCase() !== 'bearer') throw new ClientResponseError(`Invalid scheme in OAUTHBEARER client first message: ${a[1]}`);
  return { authorizationId, token: a[2], extensions: pairs };
}
