/**
 * The console's login end to end in Chromium (playwright-core, Debian's /usr/bin/chromium): a broker
 * with a SASL_PLAINTEXT listener (PLAIN) and an authorizer; the login form refuses a wrong
 * password, takes the right one by keyboard, and the user then sees only the topics its ACLs let it
 * describe; the Security page lists ACLs for the super user, who creates a SCRAM user there that
 * then logs in with SCRAM-SHA-256; Log out brings the form back.
 * Screenshots go to test-artifacts/console/. Skipped without Chromium outside CI, as e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker, type Broker } from '../../src/broker.js';
import { buildConsole } from '../../src/console/build.js';

const CHROMIUM = '/usr/bin/chromium';
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const ARTIFACTS = resolve(process.env.RUNNEL_TEST_ARTIFACTS ?? 'test-artifacts', 'console');
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret";';

let broker: Broker;
let browser: Browser;
let page: Page;
let base: string;

async function asAdmin(path: string, body: unknown): Promise<void> {
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'admin-secret' }) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
  if (r.status !== 201) throw new Error(`${path}: ${r.status} ${await r.text()}`);
}

async function unlabelled(): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => {
        const c = el as HTMLInputElement;
        if (c.type === 'hidden') return false;
        if (el.tagName === 'BUTTON') return !(el.textContent ?? '').trim() && !el.getAttribute('aria-label');
        return (c.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label');
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

describe.skipIf(!existsSync(CHROMIUM) && !inCI)('console login in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildConsole();
    broker = await startBroker({
      port: 0,
      host: '127.0.0.1',
      storage: 'memory',
      console: true,
      config: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:admin',
        'connection.failed.authentication.delay.ms': 100,
        'runnel.metrics.port': 0,
      },
    });
    base = `http://127.0.0.1:${broker.consolePort}`;
    await asAdmin('/api/topics', { name: 'alice-orders', partitions: 1 });
    await asAdmin('/api/topics', { name: 'payroll', partitions: 1 });
    await asAdmin('/api/security/acls', { resourceType: 'TOPIC', resourceName: 'alice-', patternType: 'PREFIXED', principal: 'User:alice', operation: 'READ' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await broker?.close();
  });

  it('logs in, sees the topics its ACLs allow, and logs out', { timeout: 90_000 }, async () => {
    await page.goto(`${base}/#/topics`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await unlabelled()).toEqual([]);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByLabel('Password').press('Enter');
    await page.getByText(/Login failed/).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'login-failed.png'), fullPage: true });

    await page.getByLabel('Password').fill('alice-secret');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('link', { name: 'alice-orders' }).waitFor();
    expect(await page.getByRole('link', { name: 'payroll' }).count()).toBe(0);
    await expect.poll(() => page.locator('nav .who').textContent()).toContain('alice');
    await page.screenshot({ path: join(ARTIFACTS, 'logged-in-topics.png'), fullPage: true });

    // Alice may not describe the cluster's ACLs: the Security page says so.
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByText(/CLUSTER_AUTHORIZATION_FAILED/).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'runnel_console_session')).toBeUndefined();
  });

  it('shows the ACLs on the Security page to the super user', { timeout: 60_000 }, async () => {
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('admin-secret');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    await page.getByRole('cell', { name: 'User:alice', exact: true }).waitFor();
    expect(await unlabelled()).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'security.png'), fullPage: true });
  });

  it('creates a SCRAM user on the Security page, who then logs in with SCRAM', { timeout: 60_000 }, async () => {
    await page.getByLabel('SCRAM user name').fill('dave');
    await page.getByLabel('SCRAM mechanism').selectOption('SCRAM-SHA-256');
    await page.getByLabel('Iterations').fill('4096');
    await page.getByLabel('New password').fill('dave-pass-9');
    await page.getByLabel('New password').press('Enter');
    await page.getByText('User dave saved.').waitFor();
    await page.getByRole('table', { name: 'SCRAM users' }).getByRole('cell', { name: 'dave', exact: true }).waitFor();
    expect(await page.getByLabel('New password').inputValue()).toBe('');
    expect(await page.content()).not.toContain('dave-pass-9');
    expect(await unlabelled()).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'security-users.png'), fullPage: true });

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('User name').fill('dave');
    await page.getByLabel('Password').fill('dave-pass-9');
    await page.getByLabel('Mechanism').selectOption('SCRAM-SHA-256');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.locator('nav .who').textContent(), { timeout: 10_000 }).toContain('dave');
  });
});
