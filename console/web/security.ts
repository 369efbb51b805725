/**
 * The Security page (shown when the broker has an authorizer): the SCRAM users (mechanisms and
 * iterations) and the ACLs, as the logged-in user may see them (both need DESCRIBE on the
 * cluster), with forms to add or update a user's credential and to add an ACL, and a button to
 * delete each (ALTER on the cluster; hidden in read-only mode). A password typed here is sent once
 * and the field emptied; the broker keeps only salted keys.
 */
import { api } from './api.js';
import { field, h, select, status, table } from './dom.js';

const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const PATTERN_TYPES = ['LITERAL', 'PREFIXED'];
const OPERATIONS = ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS'];
const PERMISSIONS = ['ALLOW', 'DENY'];

interface Acl {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

interface ScramUser {
  user: string;
  credentials: Array<{ mechanism: string; iterations: number }>;
}

const opts = (list: string[]): Array<[string, string]> => list.map((x) => [x, x]);
const SCRAM = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

export function securityPage(root: HTMLElement): () => void {
  const msg = h('p', { class: 'status', role: 'status' });
  const body = h('div');
  const resourceType = select(opts(RESOURCE_TYPES), 'TOPIC');
  const resourceName = h('input', { required: true, placeholder: 'orders' });
  const patternType = select(opts(PATTERN_TYPES), 'LITERAL');
  const principal = h('input', { required: true, placeholder: 'User:alice' });
  const host = h('input', { value: '*', required: true });
  const operation = select(opts(OPERATIONS), 'READ');
  const permission = select(opts(PERMISSIONS), 'ALLOW');
  const usersBody = h('div');
  const userName = h('input', { required: true, autocomplete: 'off', placeholder: 'alice' });
  const userMechanism = select(opts(SCRAM), 'SCRAM-SHA-256');
  const iterations = h('input', { type: 'number', min: '4096', max: '16384', value: '4096', required: true });
  const password = h('input', { type: 'password', required: true, autocomplete: 'new-password' });

  const users = (list: ScramUser[]): HTMLElement => {
    const rows = list.flatMap((u) =>
      u.credentials.map((c) => [
        u.user,
        c.mechanism,
        String(c.iterations),
        h(
          'button',
          {
            class: 'changes danger',
            'aria-label': `Delete ${c.mechanism} credential of user ${u.user}`,
            onclick: () => {
              if (!confirm(`Delete the ${c.mechanism} credential of user ${u.user}?`)) return;
              void api(`/security/users/${encodeURIComponent(u.user)}`, { method: 'DELETE', body: { mechanism: c.mechanism } })
                .then(load)
                .then(() => status(msg, `Credential of ${u.user} deleted.`))
                .catch((e: Error) => status(msg, e.message, 'error'));
            },
          },
          'Delete',
        ),
      ]),
    );
    return rows.length === 0 ? h('p', {}, 'No SCRAM users.') : table(['User', 'Mechanism', 'Iterations', ''], rows, 'SCRAM users');
  };

  const load = async (): Promise<void> => {
    try {
      const res = await api<{ acls: Acl[]; users: ScramUser[] }>('/security');
      usersBody.replaceChildren(users(res.users));
      body.replaceChildren(
        res.acls.length === 0
          ? h('p', {}, 'No ACLs.')
          : table(
              ['Resource', 'Name', 'Pattern', 'Principal', 'Host', 'Operation', 'Permission', ''],
              res.acls.map((a) => [
                a.resourceType,
                a.resourceName,
                a.patternType,
                a.principal,
                a.host,
                a.operation,
                a.permission,
                h(
                  'button',
                  {
                    class: 'changes danger',
                    'aria-label': `Delete ACL ${a.permission} ${a.principal} ${a.operation} on ${a.resourceType} ${a.resourceName}`,
                    onclick: () => {
                      if (!confirm(`Delete this ACL (${a.permission} ${a.principal} ${a.operation} on ${a.resourceType} ${a.resourceName})?`)) return;
                      void api('/security/acls', { method: 'DELETE', body: a })
                        .then(load)
                        .then(() => status(msg, 'ACL deleted.'))
                        .catch((e: Error) => status(msg, e.message, 'error'));
                    },
                  },
                  'Delete',
                ),
              ]),
              'ACLs',
            ),
      );
    } catch (e) {
      status(msg, (e as Error).message, 'error');
    }
  };

  const form = h(
    'form',
    {
      class: 'inline-form changes',
      'aria-labelledby': 'acl-h',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const acl: Acl = { resourceType: resourceType.value, resourceName: resourceName.value, patternType: patternType.value, principal: principal.value, host: host.value, operation: operation.value, permission: permission.value };
        void api('/security/acls', { method: 'POST', body: acl })
          .then(load)
          .then(() => status(msg, 'ACL added.'))
          .catch((err: Error) => status(msg, err.message, 'error'));
      },
    },
    h('h2', { id: 'acl-h' }, 'Add an ACL'),
    field('Resource type', resourceType),
    field('Resource name', resourceName, 'a name, or * for all'),
    field('Pattern', patternType),
    field('Principal', principal),
    field('Host', host),
    field('Operation', operation),
    field('Permission', permission),
    h('button', { type: 'submit' }, 'Add ACL'),
  );
  const userForm = h(
    'form',
    {
      class: 'inline-form changes',
      'aria-labelledby': 'user-h',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const name = userName.value;
        const req = { user: name, mechanism: userMechanism.value, iterations: Number(iterations.value), password: password.value };
        password.value = '';
        void api('/security/users', { method: 'POST', body: req })
          .then(load)
          .then(() => status(msg, `User ${name} saved.`))
          .catch((err: Error) => status(msg, err.message, 'error'));
      },
    },
    h('h2', { id: 'user-h' }, 'Add or update a SCRAM user'),
    field('SCRAM user name', userName),
    field('SCRAM mechanism', userMechanism),
    field('Iterations', iterations, '4096 to 16384'),
    field('New password', password, 'salted by the broker; never shown again'),
    h('button', { type: 'submit' }, 'Save user'),
  );
  root.append(h('h1', {}, 'Security'), msg, h('h2', {}, 'SCRAM users'), usersBody, userForm, h('h2', {}, 'ACLs'), body, form);
  void load();
  return () => undefined;
}
