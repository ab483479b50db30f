// mark-and-replay.mjs - the web UI's main job in headless Chromium:
// an agent logs in, sees its live call, clicks "Mark threat", logs out; a
// supervisor sees every live call (the README screenshot); an investigator
// opens the recording, the audio player loads it, the WAV downloads, and
// reads the audit log.
// Run by tests/browser/run.sh, which starts the stack and sets TR_* (see there).
// Prints one line per check; the last line is "N passed, N failed".
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set (run tests/browser/run.sh)`);
  return v;
};
const URL = env('TR_URL');
const OUT = env('TR_OUT');
const creds = (k) => { const v = env(k); const i = v.indexOf(':'); return [v.slice(0, i), v.slice(i + 1)]; };

let passed = 0, failed = 0;
const failures = [];
function check(cond, name, why = '') {
  if (cond) { passed++; console.log(`ok - ${name}`); }
  else { failed++; failures.push(name); console.log(`FAIL - ${name}${why ? ': ' + why : ''}`); }
  return !!cond;
}

let shot = 0;
async function screenshot(page, name) {
  const file = path.join(OUT, `${String(++shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch((e) => console.log(`# screenshot ${name}: ${e.message}`));
  console.log(`# screenshot ${file}`);
  return file;
}

async function login(page, [user, pass]) {
  await page.locator('#view-login').waitFor({ state: 'visible', timeout: 10000 });
  await page.fill('#username', user);
  await page.fill('#password', pass);
  await page.click('#login-button');
  await page.locator('#who').filter({ hasText: user }).waitFor({ timeout: 10000 });
}

async function logout(page) {
  await page.click('#logout');
  await page.locator('#view-login').waitFor({ state: 'visible', timeout: 10000 });
}

// the state column text of a call row (the 6th cell)
const rowState = (row) => row.locator('td').nth(5).innerText();

async function main() {
  mkdirSync(OUT, { recursive: true });
  const context = await chromium.launchPersistentContext(env('TR_PROFILE'), {
    executablePath: env('TR_CHROMIUM'),
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 760 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-quic'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  let recId = null;
  try {
    // 1. login page, agent logs in
    await page.goto(URL + '/');
    await page.locator('#view-login').waitFor({ state: 'visible' });
    await screenshot(page, 'login');
    await login(page, creds('TR_AGENT'));
    check(await page.locator('#view-live').isVisible(), 'agent lands on the live-calls page after login');

    // the calls start now, while the agent watches
    execFileSync('bash', [path.join(env('TR_TOP'), 'tests/e2e/stack.sh'), env('TR_STACK'), 'sniffer',
      env('TR_PCAP'), '--pace', '1', '--hold'], { stdio: 'inherit' });
    // the vault finds a new ring within a second (a mark before that gets 503:
    // reported to the vault's owner); wait for its log line
    const vlog = path.join(env('TR_STACK'), 'vault.log');
    for (let i = 0; i < 50 && !/attached ring/.test(readFileSync(vlog, 'utf8')); i++)
      await page.waitForTimeout(100);
    const row = page.locator('tr[data-testid="call-row"]').first();
    await row.waitFor({ timeout: 15000 });
    await page.waitForFunction(() => {
      const r = document.querySelector('tr[data-testid="call-row"]');
      return r && /active|setup|ringing|answered/i.test(r.cells[5].textContent);
    }, null, { timeout: 15000 });
    const rows = await page.locator('tr[data-testid="call-row"]').count();
    const callee = (await row.locator('td').nth(1).innerText()).trim();
    check(rows === 1 && callee === '1000', 'agent (ext 1000) sees exactly its own live call',
      `${rows} row(s), callee ${callee}`);
    await screenshot(page, 'agent-live');

    // 2. Mark threat while live
    const sipCallId = await row.getAttribute('data-sip-call-id');
    await row.locator('[data-testid="note-input"]').fill('browser test: threat');
    await row.locator('[data-testid="mark-button"]').click();
    const badge = row.locator('[data-testid="marked-badge"]');
    const marked = await badge.waitFor({ timeout: 10000 }).then(() => true, () => false);
    const toast = await page.locator('#toast').innerText().catch(() => '');
    check(marked, 'clicking "Mark threat" marks the live call (badge shown)', `toast: ${toast}`);
    const m = /recording\s+(\S+)/.exec(toast);
    recId = m ? m[1] : null;
    check(recId, 'the toast names the recording', toast);
    const state = await rowState(row);
    check(!/ended/i.test(state), 'the call was still live when it was marked', state);
    await screenshot(page, 'agent-marked');
    await logout(page);

    // 3. supervisor: every live call, one of them marked (README screenshot)
    await login(page, creds('TR_SUPER'));
    await page.goto(URL + '/#/live');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-testid="call-row"]').length >= 3,
      null, { timeout: 10000 }).catch(() => {});
    const srows = await page.locator('tr[data-testid="call-row"]').count();
    check(srows >= 3, 'supervisor sees all 3 live calls', `${srows} row(s)`);
    const smarked = await page.locator('tr.is-marked').count();
    check(smarked === 1, 'supervisor sees the marked call as marked', `${smarked} marked row(s)`);
    // the agent's toast fades after 4 s; the README screenshot is taken without it
    await page.waitForFunction(() => document.getElementById('toast').textContent === '',
      null, { timeout: 6000 }).catch(() => {});
    await screenshot(page, 'supervisor-live');
    // a long note in a language with 2-byte letters never makes the mark
    // fail (the vault's field is 511 bytes); Enter in the note marks
    const free = page.locator('tr[data-testid="call-row"]:not(.is-marked)').first();
    const noteIn = free.locator('[data-testid="note-input"]');
    await noteIn.fill('\u00e9'.repeat(400));
    const bytes = await noteIn.evaluate((n) => new TextEncoder().encode(n.value).length);
    check(bytes > 0 && bytes <= 511, 'a long note is cut to 511 UTF-8 bytes while typing', `${bytes} bytes`);
    await noteIn.press('Enter');
    const secondMarked = await page.waitForFunction(() => document.querySelectorAll('tr.is-marked').length >= 2,
      null, { timeout: 10000 }).then(() => true, () => false);
    check(secondMarked, 'Enter in the note field marks the call, with the long note',
      await page.locator('#toast').innerText());
    const shownNote = await page.locator('[data-testid="mark-note"]').allInnerTexts();
    check(shownNote.some((t) => /^Note: \u00e9{20,}$/.test(t.trim())),
      'the marked call shows the note\'s letters (cut at a letter, never as ???)', shownNote.join(' | '));
    // a phone: the Threat cell of every call is on screen, no sideways scroll
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const fitsPhone = await page.evaluate(() => Array.from(document.querySelectorAll('#calls-body td.mark-td'))
      .every((td) => { const r = td.getBoundingClientRect(); return r.width > 0 && r.right <= window.innerWidth; }));
    check(fitsPhone, 'on a 390 px phone the Mark / marked cell of every call is within the screen');
    await screenshot(page, 'supervisor-live-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await logout(page);
    // nothing of the supervisor's view may stay in the page for the next user
    const left = await page.locator('tr[data-testid="call-row"]').count();
    check(left === 0, 'after logout the page holds none of the previous user\'s calls', `${left} row(s)`);

    // 4. investigator: recordings, the recording, the player, the download
    await login(page, creds('TR_INV'));
    await page.goto(URL + '/#/recordings');
    const recRow = page.locator('tr[data-testid="recording-row"]').first();
    const listed = await recRow.waitFor({ timeout: 10000 }).then(() => true, () => false);
    check(listed, 'investigator sees the recording in the list');
    if (!recId && listed) recId = await recRow.getAttribute('data-recording-id');
    await screenshot(page, 'recordings');
    // playback is offered once the call has ended and the vault sealed it
    let src = null;
    for (let i = 0; i < 40 && !src; i++) {
      await page.goto(URL + '/#/recordings/' + encodeURIComponent(recId));
      await page.reload();
      await page.locator('#view-recording').waitFor({ state: 'visible' });
      await page.waitForTimeout(500);
      src = await page.locator('#player').getAttribute('src');
    }
    check(src, `the recording page offers the audio once sealed (${recId})`);
    const sipShown = await page.locator('#rec-meta [data-field="call_id"]').innerText().catch(() => '');
    check(sipShown === sipCallId, 'the recording page shows the marked call\'s Call-ID', `${sipShown} vs ${sipCallId}`);
    const loaded = await page.waitForFunction(() => {
      const p = document.getElementById('player');
      return p && p.readyState >= 1 && p.duration > 0 ? p.duration : null;
    }, null, { timeout: 15000 }).then((h) => h.jsonValue(), () => null);
    check(loaded && loaded > 10 && loaded < 14, 'the audio player loads the WAV (readyState >= 1, duration about 12 s)',
      `duration ${loaded}`);
    // seek: the player asks for a byte range
    const seeked = await page.evaluate(() => new Promise((res) => {
      const p = document.getElementById('player');
      const t = setTimeout(() => res(false), 5000);
      p.addEventListener('seeked', () => { clearTimeout(t); res(p.currentTime); }, { once: true });
      p.currentTime = 6;
    })).catch(() => false);
    check(seeked && Math.abs(seeked - 6) < 0.5, 'the player seeks to 6 s', `currentTime ${seeked}`);
    await screenshot(page, 'recording');
    // another recording that cannot be played must not keep this one's audio
    await page.goto(URL + '/#/recordings/nosuchrec');
    await page.locator('#rec-notice').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
    const stale = await page.evaluate(() => {
      const p = document.getElementById('player');
      return { src: p.getAttribute('src'), ready: p.readyState, dur: p.duration,
        dis: document.getElementById('download-wav').getAttribute('aria-disabled') };
    });
    check(!stale.src && stale.ready === 0 && !(stale.dur > 0) && stale.dis === 'true' &&
      /Cannot open this recording/.test(await page.locator('#rec-notice').innerText()),
      'a recording that cannot be opened shows why, with no audio of the last one and no live buttons',
      JSON.stringify(stale));
    await page.goto(URL + '/#/recordings/' + encodeURIComponent(recId));
    await page.locator('#player[src]').waitFor({ state: 'attached', timeout: 10000 }).catch(() => {});

    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 15000 }),
      page.click('#download-wav')]);
    const file = path.join(OUT, 'download.wav');
    await dl.saveAs(file);
    const size = statSync(file).size;
    const head = readFileSync(file).subarray(0, 12);
    check(size > 44 && head.subarray(0, 4).toString() === 'RIFF' && head.subarray(8, 12).toString() === 'WAVE',
      `"Download WAV" saves a RIFF/WAVE file of ${size} bytes (${file})`);

    // 4. the audit log, as the investigator: the mark, the download, and the
    // vault's start row with the settings in effect, readable in the window
    await page.goto(URL + '/#/audit');
    await page.locator('#audit-body tr').first().waitFor({ timeout: 10000 });
    const auditText = await page.locator('#audit-body').innerText();
    check(/\bmark\b/.test(auditText) && auditText.includes(sipCallId), 'the audit log lists the mark with its Call-ID');
    check(/\bdownload\b/.test(auditText) && /\binv1\b/.test(auditText), 'the audit log lists the investigator\'s download');
    check(/Config sha256: [0-9a-f]{64}/.test(auditText) && /storage = \//.test(auditText),
      'the vault\'s start row shows the settings in effect and their hash');
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    check(fits, 'the audit page fits the window (long details wrap)');
    await screenshot(page, 'audit');
    await logout(page);

    // 5. two-person rule: an investigator account an admin adds in the
    // browser cannot log in until a second admin approves it there
    const newInv = ['inv9', 'inv9-long-password'];
    await login(page, creds('TR_ADM1'));
    await page.goto(URL + '/#/users');
    await page.locator('#users-body tr').first().waitFor({ timeout: 10000 });
    await page.fill('#new-username', newInv[0]);
    await page.fill('#new-password', newInv[1]);
    await page.selectOption('#new-role', 'investigator');
    await page.click('#user-add-button');
    const invRow = page.locator('#users-body tr[data-user="inv9"]');
    await invRow.waitFor({ timeout: 10000 });
    check(/awaiting approval \(by an admin other than adm1\)/.test(await invRow.innerText()),
      'the added investigator shows "awaiting approval (by an admin other than adm1)"', await invRow.innerText());
    check(await invRow.locator('[data-testid="approve-button"]').count() === 0,
      'the admin who added it gets no Approve button');
    await screenshot(page, 'users-pending');
    await logout(page);
    await page.fill('#username', newInv[0]);
    await page.fill('#password', newInv[1]);
    await page.click('#login-button');
    await page.locator('#login-error').filter({ hasText: 'approval' }).waitFor({ timeout: 10000 })
      .catch(() => {});
    check(/awaits approval by a second admin/.test(await page.locator('#login-error').innerText()),
      'the waiting account cannot log in and is told why', await page.locator('#login-error').innerText());
    await login(page, creds('TR_ADM2'));
    await page.goto(URL + '/#/users');
    await invRow.waitFor({ timeout: 10000 });
    await invRow.locator('[data-testid="approve-button"]').click();
    await invRow.locator('[data-testid="user-state"]').filter({ hasText: /^active$/ }).waitFor({ timeout: 10000 })
      .catch(() => {});
    check(/^active \(has not yet set a password of its own\)$/.test(
      (await invRow.locator('[data-testid="user-state"]').innerText()).trim()),
      'a second admin clicks Approve and the account is active, its own password still to be set');
    await logout(page);
    // 6. the password adm1 chose is replaced at the first login, before anything else
    await login(page, newInv);
    await page.locator('#view-password').waitFor({ state: 'visible', timeout: 10000 });
    check(await page.locator('#password-required').isVisible() &&
      !(await page.locator('#nav-recordings').isVisible()),
      'the approved investigator\'s first login shows only "Change your password" (no Recordings yet)');
    await screenshot(page, 'password-required');
    await page.goto(URL + '/#/recordings');
    check(await page.locator('#view-password').isVisible() && !(await page.locator('#view-recordings').isVisible()),
      'going to #/recordings by hand still shows the password form');
    await page.fill('#current-password', newInv[1]);
    await page.fill('#new-password-1', 'inv9-own-password');
    await page.fill('#new-password-2', 'inv9-own-passwort');
    await page.click('#password-button');
    check(/differ/.test(await page.locator('#password-error').innerText()),
      'two different new passwords are refused in the page', await page.locator('#password-error').innerText());
    await page.fill('#current-password', 'not-the-password');
    await page.fill('#new-password-1', 'inv9-own-password');
    await page.fill('#new-password-2', 'inv9-own-password');
    await page.click('#password-button');
    await page.locator('#password-error').filter({ hasText: 'current password' }).waitFor({ timeout: 10000 })
      .catch(() => {});
    check(/current password is wrong/.test(await page.locator('#password-error').innerText()),
      'a wrong current password is refused with the vault\'s reason', await page.locator('#password-error').innerText());
    await page.fill('#current-password', newInv[1]);
    check((await page.locator('#password-error').innerText()).trim() === '',
      'typing again clears the earlier error (it must not stand under a corrected form)');
    await page.fill('#new-password-1', 'inv9-own-password');
    await page.fill('#new-password-2', 'inv9-own-password');
    await page.click('#password-button');
    await page.locator('#nav-recordings').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
    check(await page.locator('#nav-recordings').isVisible() && await page.locator('#view-recordings').isVisible(),
      'after "Change password" the investigator sees Recordings');
    await screenshot(page, 'password-changed');
    await logout(page);
    await page.fill('#username', newInv[0]);
    await page.fill('#password', newInv[1]);
    await page.click('#login-button');
    await page.locator('#login-error').filter({ hasText: 'wrong' }).waitFor({ timeout: 10000 }).catch(() => {});
    check(/wrong user name or password/.test(await page.locator('#login-error').innerText()),
      'the password adm1 chose no longer works');
    await login(page, [newInv[0], 'inv9-own-password']);
    check(await page.locator('#nav-recordings').isVisible(), 'the investigator\'s own password works: Recordings');
    await logout(page);
    // 7. an admin disables the account (someone left) and enables it again:
    // an investigator then waits for a second admin, as a new account does
    await login(page, creds('TR_ADM1'));
    await page.goto(URL + '/#/users');
    await invRow.waitFor({ timeout: 10000 });
    check(await page.locator('#users-body tr[data-user="adm1"] [data-testid="disable-button"]').count() === 0,
      'an admin gets no Disable button for their own account');
    page.once('dialog', (d) => d.accept());
    await invRow.locator('[data-testid="disable-button"]').click();
    await invRow.locator('[data-testid="user-state"]').filter({ hasText: /^disabled$/ }).waitFor({ timeout: 10000 })
      .catch(() => {});
    check((await invRow.locator('[data-testid="user-state"]').innerText()).trim() === 'disabled',
      'Disable (confirmed) shows the account disabled');
    await invRow.locator('[data-testid="enable-button"]').click();
    await invRow.locator('[data-testid="user-state"]').filter({ hasText: /awaiting approval/ })
      .waitFor({ timeout: 10000 }).catch(() => {});
    check(/awaiting approval \(by an admin other than adm1\)/.test(await invRow.locator('[data-testid="user-state"]').innerText()),
      'Enable puts the investigator back to "awaiting approval (by an admin other than adm1)"');
    await screenshot(page, 'users-enabled');
    await logout(page);
    await page.fill('#username', newInv[0]);
    await page.fill('#password', 'inv9-own-password');
    await page.click('#login-button');
    await page.locator('#login-error').filter({ hasText: 'approval' }).waitFor({ timeout: 10000 }).catch(() => {});
    check(/awaits approval by a second admin/.test(await page.locator('#login-error').innerText()),
      'the re-enabled investigator cannot log in before the second admin approves');
    // 8. logout while the vault is down (a shared workstation): the cookie is
    // cleared and the page says the vault could not be told
    await login(page, creds('TR_SUPER'));
    const stack = (...a) => execFileSync('bash', [path.join(env('TR_TOP'), 'tests/e2e/stack.sh'),
      env('TR_STACK'), ...a], { stdio: ['ignore', 'ignore', 'inherit'] });
    stack('stop', 'vault');
    await page.click('#logout');
    await page.locator('#view-login').waitFor({ state: 'visible', timeout: 10000 });
    await page.locator('#logout-note').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
    check(/vault could not be reached/.test(await page.locator('#logout-note').innerText()),
      'logout with the vault down: the page says the vault could not be told',
      await page.locator('#logout-note').innerText());
    check(!(await context.cookies()).some((c) => c.name === 'tr_session'),
      'logout with the vault down: the session cookie is gone');
    await screenshot(page, 'logout-vault-down');
    stack('vault');
    await login(page, creds('TR_SUPER'));
    check(await page.locator('#logout-note').isHidden(), 'the note goes away at the next login');
    await logout(page);
    check(consoleErrors.length === 0, 'no JavaScript errors on the pages', consoleErrors.join('; '));
  } catch (e) {
    check(false, 'the browser run went to the end', e.message.split('\n')[0]);
    await screenshot(page, 'error');
  } finally {
    await context.close();
  }
  if (failures.length) { console.log('failed checks:'); for (const f of failures) console.log('  ' + f); }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL - browser test crashed: ${e.message}`); console.log(`${passed} passed, ${failed + 1} failed`); process.exit(1); });
