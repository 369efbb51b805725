/**
 * A fake Authorizer for handler tests: allows everything but the (operation, resource type, name)
 * entries denied in its table ('*' denies every name of the type), and records every question, so
 * tests can check which checks a request makes and with which identity.
 *
 * A test file routes its broker through it by mocking the dispatcher (the one place a request's
 * BrokerServices is handed to a handler):
 *   vi.mock('../../../src/server/dispatch.js', async (orig) => withTableAuthorizer(await orig()));
 */
import { ALLOW_ALL, type AclOpCode, type Authorizer, type RequestIdentity, type ResourceTypeCode } from '../../src/ports/authorizer.js';

export class TableAuthorizer implements Authorizer {
  readonly enabled = true;
  private readonly denied = new Set<string>();
  readonly asked: Array<{ who: RequestIdentity; op: AclOpCode; type: ResourceTypeCode; name: string }> = [];

  deny(op: AclOpCode, type: ResourceTypeCode, name = '*'): this {
    this.denied.add(`${op}/${type}/${name}`);
    return this;
  }

  authorize(who: RequestIdentity, op: AclOpCode, type: ResourceTypeCode, name: string): boolean {
    this.asked.push({ who, op, type, name });
    return !this.denied.has(`${op}/${type}/${name}`) && !this.denied.has(`${op}/${type}/*`);
  }

  /** Allowed on some resource of the type unless every name of it is denied. */
  authorizeByResourceType(who: RequestIdentity, op: AclOpCode, type: ResourceTypeCode): boolean {
    this.asked.push({ who, op, type, name: '(any)' });
    return !this.denied.has(`${op}/${type}/*`);
  }
}

/** The authorizer the mocked dispatcher puts into BrokerServices for each request; ALLOW_ALL when unset. */
export const testAuthz: { current: Authorizer } = { current: ALLOW_ALL };

/** Tests set up and tear down with everything allowed; `deny` starts a fresh table. */
export function denying(): TableAuthorizer {
  const a = new TableAuthorizer();
  testAuthz.current = a;
  return a;
}

export function allowAll(): void {
  testAuthz.current = ALLOW_ALL;
}

type DispatchModule = typeof import('../../src/server/dispatch.js');

export function withTableAuthorizer(real: DispatchModule): DispatchModule {
  return {
    ...real,
    dispatch: (frame, client, broker, log) => {
      broker.authorizer = testAuthz.current;
      return real.dispatch(frame, client, broker, log);
    },
  };
}
