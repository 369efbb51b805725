/** How record bytes (base64 from the API) are shown: text, pretty JSON or hex. */
export type Format = 'text' | 'json' | 'hex';

function bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function show(b64: string | null, format: Format): string {
  if (b64 === null) return 'null';
  const b = bytes(b64);
  if (format === 'hex') return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
  const text = decoder.decode(b);
  if (format === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}
