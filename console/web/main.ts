/** The console's page: a hash router over the pages, each of which returns its clean-up. */
import './style.css';
import { h } from './dom.js';
import { overviewPage } from './overview.js';
import { topicsPage } from './topics.js';
import { topicPage } from './topic.js';
import { groupsPage, groupPage } from './groups.js';
import { transactionsPage } from './transactions.js';
import { securityPage } from './security.js';
import { loginPage, type AuthState } from './login.js';

export type Page = (root: HTMLElement, ...params: string[]) => (() => void) | void;

const routes: Array<[RegExp, Page, string]> = [
  [/^\/?$/, overviewPage, 'overview'],
  [/^\/topics\/?$/, topicsPage, 'topics'],
  [/^\/topics\/(.+)$/, topicPage, 'topics'],
  [/^\/groups\/?$/, groupsPage, 'groups'],
  [/^\/groups\/(.+)$/, groupPage, 'groups'],
  [/^\/transactions\/?$/, transactionsPage, 'transactions'],
  [/^\/security\/?$/, securityPage, 'security'],
];

const nav = h(
  'nav',
  { 'aria-label': 'Sections' },
  h('a', { href: '#/', class: 'brand' }, 'Runnel'),
  h('a', { href: '#/', 'data-section': 'overview' }, 'Overview'),
  h('a', { href: '#/topics', 'data-section': 'topics' }, 'Topics'),
  h('a', { href: '#/groups', 'data-section': 'groups' }, 'Consumer groups'),
  h('a', { href: '#/transactions', 'data-section': 'transactions' }, 'Transactions'),
);
// Shown once /api/auth says so: the Security page with an authorizer, the user and Log out with authentication.
const securityLink = h('a', { href: '#/security', 'data-section': 'security', hidden: true }, 'Security');
const who = h('span', { class: 'who', hidden: true });
nav.append(securityLink, who);
const main = h('main', { id: 'main', tabindex: -1 });
document.body.append(h('a', { href: '#main', class: 'skip', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, 'Skip to content'), h('header', {}, nav), main);

let cleanup: (() => void) | void;
let auth: AuthState = { required: false, mechanisms: [], user: null, security: false, readOnly: false };

function render(): void {
  cleanup?.();
  cleanup = undefined;
  main.replaceChildren();
  if (auth.required && !auth.user) return loginPage(main, auth, () => void start());
  const path = decodeURIComponent(location.hash.replace(/^#/, '').split('?')[0]);
  for (const [re, page, section] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    for (const a of nav.querySelectorAll<HTMLAnchorElement>('a[data-section]')) {
      if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    cleanup = page(main, ...m.slice(1));
    return;
  }
  main.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the overview')));
}
function logout(): void {
  void fetch('/api/auth/logout', { method: 'POST' }).finally(() => void start());
}

/** Asks who is logged in (and whether a login is needed), then shows the page or the login form. */
async function start(): Promise<void> {
  try {
    auth = (await (await fetch('/api/auth')).json()) as AuthState;
  } catch {
    /* an older broker without /api/auth: no login */
  }
  // A read-only console (runnel.console.read.only) hides the controls that change things; the API refuses them anyway.
  if (auth.readOnly) document.body.dataset.readOnly = 'true';
  securityLink.hidden = !auth.security || (auth.required && !auth.user);
  who.hidden = !auth.user;
  who.replaceChildren(...(auth.user ? [`${auth.user} `, h('button', { type: 'button', class: 'link', onclick: logout }, 'Log out')] : []));
  render();
}

window.addEventListener('hashchange', render);
window.addEventListener('console:unauthorized', () => {
  if (auth.user || !auth.required) void start();
});
void start();
