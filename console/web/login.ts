/** The login form, shown instead of the pages when the broker authenticates and there is no session. */
import { h, field, select, status } from './dom.js';

export interface AuthState {
  required: boolean;
  mechanisms: string[];
  user: string | null;
  security: boolean;
  readOnly: boolean;
}

export function loginPage(root: HTMLElement, auth: AuthState, onLogin: () => void): void {
  const user = h('input', { name: 'user', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const mechanism = select(
    auth.mechanisms.map((m) => [m, m]),
    auth.mechanisms[0],
    { name: 'mechanism' },
  );
  const msg = h('p', { class: 'status', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Log in');
  const form = h(
    'form',
    {
      class: 'login',
      'aria-labelledby': 'login-h',
      onsubmit: (e: Event) => {
        e.preventDefault();
        submit.disabled = true;
        status(msg, 'Checking…');
        void fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: user.value, password: password.value, mechanism: mechanism.value }) })
          .then(async (r) => {
            if (r.ok) return onLogin();
            const body = await r.json().catch(() => ({}));
            password.value = '';
            status(msg, `Login failed: ${body.error ?? r.statusText}`, 'error');
            password.focus();
          })
          .catch((err: Error) => status(msg, err.message, 'error'))
          .finally(() => (submit.disabled = false));
      },
    },
    h('h1', { id: 'login-h' }, 'Log in'),
    h('p', {}, 'This broker authenticates its clients: log in as a SASL user. The console then acts as that user, with its ACLs.'),
    field('User name', user),
    field('Password', password),
    auth.mechanisms.length > 1 ? field('Mechanism', mechanism) : null,
    submit,
    msg,
  );
  root.append(form);
  user.focus();
}
