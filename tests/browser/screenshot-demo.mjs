// screenshot-demo.mjs - the README screenshot: the live-calls page of a
// running `make demo`, seen by a supervisor, once at least MIN calls show.
// usage: node tests/browser/screenshot-demo.mjs URL USER PASSWORD OUT.png [MIN]
// (URL and logins are printed by `make demo`; docs/screenshot-live.png is
// made this way). Same Chromium flags as the browser test.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [url, user, pass, out, min = '4'] = process.argv.slice(2);
if (!out) {
  console.error('usage: node screenshot-demo.mjs URL USER PASSWORD OUT.png [MIN_CALLS]');
  process.exit(2);
}
const profile = mkdtempSync(path.join(os.tmpdir(), 'threatrec-shot-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 640 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-quic'],
});
let rc = 0;
try {
  const page = context.pages()[0] || await context.newPage();
  await page.goto(url.replace(/\/$/, '') + '/');
  await page.fill('#username', user);
  await page.fill('#password', pass);
  await page.click('#login-button');
  await page.locator('#view-live').waitFor({ state: 'visible', timeout: 10000 });
  await page.waitForFunction((n) => document.querySelectorAll('tr[data-testid="call-row"]').length >= n,
    Number(min), { timeout: 60000 });
  await page.waitForTimeout(2500);   // one more refresh, toasts gone
  await page.screenshot({ path: out });
  console.log(`screenshot: ${out}`);
} catch (e) {
  console.error(`screenshot-demo: ${e.message.split('\n')[0]}`);
  rc = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(rc);
