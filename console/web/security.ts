/**
 * The Security page (shown when the broker has an authorizer): the ACLs, as the logged-in user may
 * see them (DescribeAcls needs DESCRIBE on the cluster), with a form to add one and a button to
 * delete each (CreateAcls / DeleteAcls need ALTER on the cluster; hidden in read-only mode).
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

const opts = (list: string[]): Array<[string, string]> => list.map((x) => [x, x]);

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

  const load = async (): Promise<void> => {
    try {
      const res = await api<{ acls: Acl[] }>('/security');
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
  root.append(h('h1', {}, 'Security'), msg, h('h2', {}, 'ACLs'), body, form, h('p', {}, 'SCRAM users are not listed: this broker does not serve DescribeUserScramCredentials yet.'));
  void load();
  return () => undefined;
}
