/**
 * A certificate subject as Kafka sees it: X500Principal.getName(), the RFC 2253 form (most
 * specific RDN first, "," between RDNs, "+" inside a multi-valued one, no spaces), which is what
 * ssl.principal.mapping.rules match and what DEFAULT makes the principal name, e.g.
 * "CN=alice,OU=clients,O=Runnel,C=US".
 */
import { X509Certificate } from 'node:crypto';

// RFC 2253 keywords Java prints by name; OpenSSL's short names of other attributes are printed
// by Java as OID=#<DER hex>. emailAddress is the one such attribute common in client certificates.
const EMAIL_OID = '1.2.840.113549.1.9.1';

export function rfc2253Subject(cert: X509Certificate | Buffer): string {
  const x = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  // Node prints the subject one RDN a line, in certificate order, values already escaped per RFC 2253.
  const rdns = x.subject.split('\n').filter((l) => l !== '');
  return rdns
    .reverse()
    .map((rdn) =>
      rdn
        .split(' + ')
        .map((ava) => (ava.startsWith('emailAddress=') ? `${EMAIL_OID}=#${ia5Hex(unescape2253(ava.slice('emailAddress='.length)))}` : ava))
        .join('+'),
    )
    .join(',');
}

function unescape2253(v: string): string {
  return v.replace(/\\([0-9A-Fa-f]{2}|.)/g, (_, e: string) => (e.length === 2 ? String.fromCharCode(parseInt(e, 16)) : e));
}

/** DER of an IA5String, in hex, as Java prints an attribute it has no keyword for. */
function ia5Hex(s: string): string {
  const body = Buffer.from(s, 'latin1');
  const len = body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x16]), len, body]).toString('hex');
}
