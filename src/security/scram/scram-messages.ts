/**
 * The client's two SCRAM messages (RFC 5802 §7) as the server parses them. A message that does not
 * follow the grammar is a ScramFormatError; its text names the part that is wrong and never echoes
 * the message (a proof or a user name has no place in a log line).
 */

export class ScramFormatError extends Error {}

export interface ClientFirst {
  /** The GS2 header as sent ("n,," or "n,a=<authzid>,"): the client-final's channel binding must be its base64. */
  gs2Header: string;
  /** The requested authorization identity, decoded; '' when none. */
  authzid: string;
  /** The user name, with =2C and =3D decoded. */
  user: string;
  nonce: string;
  /** Extensions after the nonce (Kafka's tokenauth=true for delegation tokens). */
  extensions: Map<string, string>;
  /** client-first-message-bare: the part the AuthMessage includes. */
  bare: string;
}

export interface ClientFinal {
  channelBinding: string;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof: the part the AuthMessage includes. */
  withoutProof: string;
}

/** saslname: '=' only as =2C or =3D, no ','. */
function decodeSaslName(s: string, what: string): string {
  if (s === '' || s.includes(',') || /=(?!2C|3D)/.test(s)) throw new ScramFormatError(`invalid ${what}`);
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function attribute(part: string | undefined, name: string): string {
  if (part === undefined || !part.startsWith(`${name}=`)) throw new ScramFormatError(`missing ${name}=`);
  return part.slice(name.length + 1);
}

export function parseClientFirst(token: Buffer): ClientFirst {
  const text = token.toString('utf8');
  // gs2-cbind-flag: 'n' (no channel binding) or 'y' (the client could bind but thinks the server cannot, right: no -PLUS is offered).
  if (!text.startsWith('n,') && !text.startsWith('y,')) throw new ScramFormatError(text.startsWith('p=') ? 'channel binding is not supported' : 'invalid GS2 header');
  const second = text.indexOf(',', 2);
  if (second < 0) throw new ScramFormatError('invalid GS2 header');
  const authzPart = text.slice(2, second);
  const authzid = authzPart === '' ? '' : decodeSaslName(attribute(authzPart, 'a'), 'authorization id');
  const gs2Header = text.slice(0, second + 1);
  const bare = text.slice(second + 1);
  const parts = bare.split(',');
  if (parts[0]?.startsWith('m=')) throw new ScramFormatError('mandatory extension not supported');
  const user = decodeSaslName(attribute(parts[0], 'n'), 'user name');
  const nonce = attribute(parts[1], 'r');
  if (!PRINTABLE.test(nonce)) throw new ScramFormatError('invalid nonce');
  const extensions = new Map<string, string>();
  for (const ext of parts.slice(2)) {
    const eq = ext.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z]+$/.test(ext.slice(0, eq))) throw new ScramFormatError('invalid extension');
    extensions.set(ext.slice(0, eq), ext.slice(eq + 1));
  }
  return { gs2Header, authzid, user, nonce, extensions, bare };
}

export function parseClientFinal(token: Buffer): ClientFinal {
  const text = token.toString('utf8');
  const p = text.lastIndexOf(',p=');
  if (p < 0) throw new ScramFormatError('missing proof');
  const withoutProof = text.slice(0, p);
  const proofText = text.slice(p + 3);
  const parts = withoutProof.split(',');
  const channelBinding = attribute(parts[0], 'c');
  const nonce = attribute(parts[1], 'r');
  if (!BASE64.test(channelBinding) || !BASE64.test(proofText) || proofText === '') throw new ScramFormatError('invalid base64');
  return { channelBinding, nonce, proof: Buffer.from(proofText, 'base64'), withoutProof };
}

/** The server-first-message: the combined nonce, the salt and the iteration count. */
export function serverFirst(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}
