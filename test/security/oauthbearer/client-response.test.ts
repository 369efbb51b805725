import { describe, it, expect } from 'vitest';
import { parseClientInitialResponse, ClientResponseError } from '../../../src/security/oauthbearer/client-response.js';

const msg = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('OAUTHBEARER client initial response (RFC 7628, as Kafka parses it)', () => {
  it('reads the token with an empty GS2 header, as every client sends it', () => {
    const r = parseClientInitialResponse(msg('n,,\x01auth=Bearer aaa.bbb.ccc\x01\x01'));
    expect(r).toEqual({ authorizationId: '', token: 'aaa.bbb.ccc', extensions: new Map() });
  });

  it('reads an authorization id (saslname escapes decoded) and extensions', () => {
    const r = parseClientInitialResponse(msg('n,a=al=2Cice=3D,\x01auth=bearer t-_.0\x01traceId=abc 1\x01logicalCluster=lkc-1\x01\x01'));
    expect(r.authorizationId).toBe('al,ice=');
    expect(r.token).toBe('t-_.0');
    expect([...r.extensions]).toEqual([['traceId', 'abc 1'], ['logicalCluster', 'lkc-1']]);
  });

  it.each([
    ['no GS2 header', 'auth=Bearer x\x01\x01'],
    ['channel binding flag y', 'y,,\x01auth=Bearer x\x01\x01'],
    ['missing final separator', 'n,,\x01auth=Bearer x\x01'],
    ['no auth pair', 'n,,\x01foo=bar\x01\x01'],
    ['Basic scheme', 'n,,\x01auth=Basic x\x01\x01'],
    ['token with base64 padding', 'n,,\x01auth=Bearer abc=\x01\x01'],
    ['token with a plus sign', 'n,,\x01auth=Bearer a+b\x01\x01'],
    ['extension key with a digit', 'n,,\x01auth=Bearer x\x01k1=v\x01\x01'],
    ['empty token', 'n,,\x01auth=Bearer \x01\x01'],
    ['empty message', ''],
  ])('refuses %s', (_what, text) => {
    expect(() => parseClientInitialResponse(msg(text))).toThrow(ClientResponseError);
  });

  it('never quotes the token in its error', () => {
    try {
      parseClientInitialResponse(msg('n,,\x01auth=Basic secret-token-value\x01\x01'));
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-token-value');
    }
  });
});
