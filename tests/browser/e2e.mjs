// End-to-end test of the ImageGather page in a real browser (Debian's Chromium through playwright-core).
//
// Usage:
//   npm ci --prefix tests/browser
//   IMAGEGATHER_APP_URL=http://127.0.0.1:8080/ \
//   IMAGEGATHER_FIXTURE_URL=http://127.0.0.1:8099/fixtures/gallery.html \
//   node tests/browser/e2e.mjs
//
// Environment:
//   IMAGEGATHER_APP_URL      address of the page; the programs are under cgi-bin/ beside it
//   IMAGEGATHER_FIXTURE_URL  a gallery page on a loopback origin server
//   IMAGEGATHER_HOSTILE_URL  a page whose alt text and title contain markup
//                            (default: /fixtures/browser/hostile.html on the gallery's origin)
//   IMAGEGATHER_MANY_URL     a page with more images than fit on one screen
//                            (default: /fixtures/browser/many.html on the gallery's origin)
//   IMAGEGATHER_MIXED_URL    a page with one image and one non-image
//                            (default: /fixtures/browser/mixed.html on the gallery's origin)
//   CHROMIUM                 the browser binary (default /usr/bin/chromium)
//
// Prints "ok - NAME" or "not ok - NAME: reason" per check, then
// "browser: N passed, M failed", and exits 1 when a check failed.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

import { chromium } from 'playwright-core';

const APP_URL = process.env.IMAGEGATHER_APP_URL || 'http://127.0.0.1:8080/';
const FIXTURE_URL = process.env.IMAGEGATHER_FIXTURE_URL || 'http://127.0.0.1:8099/fixtures/gallery.html';
const HOSTILE_URL = process.env.IMAGEGATHER_HOSTILE_URL
	|| new URL('/fixtures/browser/hostile.html', FIXTURE_URL).href;
const MANY_URL = process.env.IMAGEGATHER_MANY_URL || new URL('/fixtures/browser/many.html', FIXTURE_URL).href;
const MIXED_URL = process.env.IMAGEGATHER_MIXED_URL || new URL('/fixtures/browser/mixed.html', FIXTURE_URL).href;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const APP_ORIGIN = new URL(APP_URL).origin;
const HOSTILE_ALT = '<img src=x onerror=alert(1)>';

/* Previews the page may load at once. */
const MAX_PARALLEL_PREVIEWS = 6;

const STEP_TIMEOUT_MS = 30_000;
const EXPORT_TIMEOUT_MS = 120_000;

/* Accessibility findings of these axe-core impact levels fail a check. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

const outcomes = { passed: 0, failed: 0 };

/* Runs one named check, prints its outcome line and returns whether it passed. A thrown error fails it. */
async function check(name, body) {
	try {
		await body();
		outcomes.passed += 1;
		console.log(`ok - ${name}`);
		return true;
	} catch (error) {
		outcomes.failed += 1;
		const reason = String(error && error.message ? error.message : error).split('\n')[0];
		console.log(`not ok - ${name}: ${reason}`);
		return false;
	}
}

function assert(condition, message) {
	if (!condition)
		throw new Error(message);
}

function sha256(bytes) {
	return createHash('sha256').update(bytes).digest('hex');
}

/* Encodes text as UTF-8, then as base64url without padding, as the page does. */
function base64Url(text) {
	return Buffer.from(text, 'utf8').toString('base64url');
}

/* Returns the image type from the first bytes, or null when the bytes are no image type the test recognizes. */
function sniffImage(bytes) {
	const head = bytes.subarray(0, 512);
	if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
		return 'png';
	if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)
		return 'jpeg';
	if (head.subarray(0, 4).toString('latin1') === 'GIF8')
		return 'gif';
	if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
		return 'webp';
	if (/<svg[\s>]/i.test(head.toString('utf8')))
		return 'svg';
	return null;
}

/* Fetches url from node (not from the browser) and returns its bytes. */
async function fetchBytes(url) {
	const response = await fetch(url);
	if (!response.ok)
		throw new Error(`GET ${url} returned HTTP ${response.status}`);
	return Buffer.from(await response.arrayBuffer());
}

/*
 * Returns the absolute addresses of the <img src> elements of the fixture
 * page. The extractor may find more candidates (srcset, CSS, icons), but
 * these are the ones every correct extractor reports.
 */
function imgSources(html, baseUrl) {
	const sources = [];
	for (const tag of html.matchAll(/<img\b[^>]*>/gi)) {
		const src = /\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag[0]);
		if (!src)
			continue;
		const value = (src[1] ?? src[2] ?? src[3]).replace(/&amp;/g, '&').trim();
		if (value && !value.startsWith('data:'))
			sources.push(new URL(value, baseUrl).href);
	}
	return sources;
}

/*
 * Reads every stored or deflated entry of a ZIP archive through its central
 * directory (PKWARE APPNOTE.TXT) and returns [{name, data}]. ZIP64 is not
 * read, because a test export of a few small images never needs it.
 */
function readZip(archive) {
	const endSignature = 0x06054b50;
	let end = -1;
	for (let offset = archive.length - 22; offset >= Math.max(0, archive.length - 22 - 65535); offset--) {
		if (archive.readUInt32LE(offset) === endSignature) {
			end = offset;
			break;
		}
	}
	assert(end >= 0, 'no end of central directory record in the download');
	const entryCount = archive.readUInt16LE(end + 10);
	let cursor = archive.readUInt32LE(end + 16);
	const entries = [];
	for (let index = 0; index < entryCount; index++) {
		assert(archive.readUInt32LE(cursor) === 0x02014b50, `central directory entry ${index} has a bad signature`);
		const method = archive.readUInt16LE(cursor + 10);
		const compressedSize = archive.readUInt32LE(cursor + 20);
		const nameLength = archive.readUInt16LE(cursor + 28);
		const extraLength = archive.readUInt16LE(cursor + 30);
		const commentLength = archive.readUInt16LE(cursor + 32);
		const localOffset = archive.readUInt32LE(cursor + 42);
		const name = archive.subarray(cursor + 46, cursor + 46 + nameLength).toString('utf8');
		assert(archive.readUInt32LE(localOffset) === 0x04034b50, `local header of ${name} has a bad signature`);
		const dataStart = localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28);
		const stored = archive.subarray(dataStart, dataStart + compressedSize);
		assert(method === 0 || method === 8, `entry ${name} uses compression method ${method}`);
		entries.push({ name, data: method === 0 ? Buffer.from(stored) : inflateRawSync(stored) });
		cursor += 46 + nameLength + extraLength + commentLength;
	}
	return entries;
}

/*
 * Records, for one browser context, what must never happen: console errors,
 * uncaught exceptions, CSP violations, dialogs, requests to other origins,
 * and the largest number of previews loading at once.
 */
function watchContext(context) {
	const record = {
		consoleErrors: [],
		pageErrors: [],
		dialogs: [],
		foreignRequests: [],
		imageRequests: [],
		previewRequests: 0,
		previewsInFlight: new Set(),
		maxPreviewsInFlight: 0,
	};
	const isPreview = (request) => new URL(request.url()).pathname.endsWith('/cgi-bin/preview.cgi');
	const settle = (request) => record.previewsInFlight.delete(request);
	const watchPage = (page) => {
		page.on('console', (message) => {
			if (message.type() === 'error')
				record.consoleErrors.push({ text: message.text(), url: message.location().url || '' });
		});
		page.on('pageerror', (error) => record.pageErrors.push(error.message));
		page.on('dialog', (dialog) => {
			record.dialogs.push(dialog.message());
			dialog.dismiss().catch(() => {});
		});
	};
	context.on('page', watchPage);
	context.pages().forEach(watchPage);
	context.on('request', (request) => {
		const url = new URL(request.url());
		if (url.protocol === 'data:')
			return;
		if (url.origin !== APP_ORIGIN)
			record.foreignRequests.push(request.url());
		if (request.resourceType() === 'image')
			record.imageRequests.push(request.url());
		if (isPreview(request)) {
			record.previewRequests += 1;
			record.previewsInFlight.add(request);
			record.maxPreviewsInFlight = Math.max(record.maxPreviewsInFlight, record.previewsInFlight.size);
		}
	});
	context.on('requestfinished', settle);
	context.on('requestfailed', settle);
	return record;
}

/* Returns the console errors that are not the browser's notes about failed image previews. */
function unexpectedConsoleErrors(record, allowFailedResources) {
	return record.consoleErrors.filter((entry) => {
		if (allowFailedResources && /^Failed to load resource/.test(entry.text))
			return false;
		return true;
	});
}

/* Returns the CSP violations that the page's securitypolicyviolation listener saw. */
async function cspViolations(page) {
	return page.evaluate(() => window.__cspViolations || []);
}

async function assertCleanPage(page, record, label) {
	const violations = await cspViolations(page);
	assert(violations.length === 0, `${label}: CSP violation: ${violations[0]}`);
	const errors = unexpectedConsoleErrors(record, false);
	assert(errors.length === 0, `${label}: console error: ${errors[0] && errors[0].text}`);
	assert(record.pageErrors.length === 0, `${label}: uncaught exception: ${record.pageErrors[0]}`);
}

/* Runs axe-core in the page and fails on serious or critical findings. */
async function assertAccessible(page, axeSource, label) {
	// page.evaluate runs through the DevTools protocol, which the page's
	// Content-Security-Policy does not govern, unlike an injected <script>.
	await page.evaluate(axeSource);
	const violations = await page.evaluate(async () => {
		const result = await window.axe.run(document, { resultTypes: ['violations'] });
		return result.violations.map((violation) => ({
			id: violation.id,
			impact: violation.impact,
			target: violation.nodes.length ? String(violation.nodes[0].target) : '',
		}));
	});
	const failing = violations.filter((violation) => FAILING_IMPACTS.has(violation.impact));
	assert(failing.length === 0, `${label}: ${failing.map((v) => `${v.id} (${v.impact}) at ${v.target}`).join('; ')}`);
}

/* Types address into the form, presses Enter, and returns the extract.cgi response. */
async function extractByKeyboard(page, address) {
	await page.locator('#address').fill(address);
	const answer = page.waitForResponse((response) => response.url().includes('cgi-bin/extract.cgi'),
		{ timeout: STEP_TIMEOUT_MS });
	await page.locator('#address').press('Enter');
	return answer;
}

/* Scrolls to each card and waits until the previews of the given addresses have loaded. */
async function waitForPreviews(page, addresses) {
	const cards = page.locator('#cards > li');
	const total = await cards.count();
	for (let index = 0; index < total; index++) {
		const card = cards.nth(index);
		await card.scrollIntoViewIfNeeded();
		const url = await card.getAttribute('data-url');
		if (!addresses.has(url))
			continue;
		const image = card.locator('img');
		await image.evaluate((element, timeout) => new Promise((resolve, reject) => {
			const started = Date.now();
			const poll = () => {
				if (element.complete && element.naturalWidth > 0)
					resolve();
				else if (Date.now() - started > timeout)
					reject(new Error(`preview of ${element.closest('li').dataset.url} did not load`));
				else
					setTimeout(poll, 50);
			};
			poll();
		}), STEP_TIMEOUT_MS);
	}
}

/* Waits until the export progress reads "Done" or the status line shows an error, and returns which. */
async function waitForExportEnd(page) {
	const handle = await page.waitForFunction(() => {
		if (document.getElementById('status').dataset.state === 'error')
			return 'error';
		const bar = document.getElementById('export-progress');
		const done = /^Done/.test(document.getElementById('export-progress-text').textContent);
		return done && bar.value === bar.max ? 'done' : false;
	}, null, { timeout: EXPORT_TIMEOUT_MS });
	return handle.jsonValue();
}

async function main() {
	const profile = mkdtempSync(path.join(tmpdir(), 'imagegather-e2e-'));
	const downloads = mkdtempSync(path.join(tmpdir(), 'imagegather-download-'));
	const require = createRequire(import.meta.url);
	const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
	let context = null;

	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			acceptDownloads: true,
			viewport: { width: 1280, height: 900 },
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
	} catch (error) {
		await check('launch chromium', () => { throw error; });
		return;
	}

	try {
		await context.addInitScript(() => {
			window.__cspViolations = [];
			document.addEventListener('securitypolicyviolation', (event) => {
				window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
			});
		});
		const record = watchContext(context);
		const page = context.pages()[0] || await context.newPage();
		await runChecks(context, page, record, axeSource, downloads);
	} finally {
		await context.close().catch(() => {});
		rmSync(profile, { recursive: true, force: true });
		rmSync(downloads, { recursive: true, force: true });
	}
}

async function runChecks(context, page, record, axeSource, downloads) {
	// The reference: what the fixture's <img> elements point to, fetched from node.
	const fixture = { sources: [], images: new Map() };
	const fixtureReady = await check('fixture origin reachable', async () => {
		const html = (await fetchBytes(FIXTURE_URL)).toString('utf8');
		fixture.sources = imgSources(html, FIXTURE_URL);
		assert(fixture.sources.length >= 2, `${FIXTURE_URL} has ${fixture.sources.length} <img> elements, expected 2 or more`);
		for (const url of fixture.sources) {
			const bytes = await fetchBytes(url);
			if (sniffImage(bytes))
				fixture.images.set(url, bytes);
		}
		assert(fixture.images.size >= 2, `only ${fixture.images.size} of the fixture's <img> addresses are images`);
	});

	const appReady = await check('index page loads cleanly', async () => {
		const response = await page.goto(APP_URL, { waitUntil: 'load' });
		assert(response, `GET ${APP_URL} got no response`);
		assert(response.ok(), `GET ${APP_URL} returned HTTP ${response.status()}`);
		await page.locator('#address').waitFor({ timeout: STEP_TIMEOUT_MS });
		assert(await page.getByRole('textbox', { name: 'Web page address' }).count() === 1, 'address field has no label');
		assert(await page.locator('a[href="privacy.html"]').count() > 0, 'no link to privacy.html');
		assert(await page.locator('a[href="terms.html"]').count() > 0, 'no link to terms.html');
		await page.waitForTimeout(300);
		await assertCleanPage(page, record, 'index');
	});

	// Every later check needs the page and the fixture, so a failure here
	// ends the run instead of adding a timeout per check.
	if (!fixtureReady || !appReady)
		return;

	await check('index page accessible', async () => {
		await assertAccessible(page, axeSource, 'index');
	});

	for (const documentName of ['privacy.html', 'terms.html']) {
		await check(`${documentName} loads and links`, async () => {
			const documentPage = await context.newPage();
			try {
				const response = await documentPage.goto(new URL(documentName, APP_URL).href, { waitUntil: 'load' });
				assert(response, `GET ${documentName} got no response`);
				assert(response.ok(), `GET ${documentName} returned HTTP ${response.status()}`);
				assert(await documentPage.locator('h1').count() === 1, 'no single <h1>');
				assert(await documentPage.locator('a[href="privacy.html"]').count() > 0, 'no link to privacy.html');
				assert(await documentPage.locator('a[href="terms.html"]').count() > 0, 'no link to terms.html');
				await assertCleanPage(documentPage, record, documentName);
				await assertAccessible(documentPage, axeSource, documentName);
			} finally {
				await documentPage.close();
			}
		});
	}

	let extraction = null;
	await check('enter shows one card per image', async () => {
		const response = await extractByKeyboard(page, FIXTURE_URL);
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()}: ${(await response.text()).slice(0, 200)}`);
		extraction = await response.json();
		const cards = page.locator('#cards > li');
		await page.waitForFunction((count) => document.querySelectorAll('#cards > li').length === count,
			extraction.images.length, { timeout: STEP_TIMEOUT_MS });
		const cardUrls = await cards.evaluateAll((items) => items.map((item) => item.dataset.url));
		for (const url of fixture.sources)
			assert(cardUrls.includes(url), `no card for ${url}`);
		const countsText = await page.locator('#counts').textContent();
		assert(countsText.includes(`${extraction.images.length} shown`), `counts read "${countsText}"`);
		const state = await page.locator('#status').getAttribute('data-state');
		assert(state === 'done', `status state is "${state}" after extraction`);
	});

	await check('previews load through preview.cgi', async () => {
		assert(extraction, 'no extraction to check');
		await waitForPreviews(page, new Set(fixture.images.keys()));
		const direct = record.imageRequests.filter((url) => !new URL(url).pathname.endsWith('/cgi-bin/preview.cgi'));
		assert(direct.length === 0, `image loaded directly: ${direct[0]}`);
	});

	await check('paste starts extraction', async () => {
		await page.locator('#address').fill('');
		const answer = page.waitForResponse((response) => response.url().includes('cgi-bin/extract.cgi'),
			{ timeout: STEP_TIMEOUT_MS });
		// A synthetic paste event, because headless Chromium has no system
		// clipboard. The default action of a trusted paste inserts the text,
		// so the test inserts it too.
		await page.locator('#address').evaluate((input, text) => {
			const data = new DataTransfer();
			data.setData('text/plain', text);
			input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
			input.value = text;
		}, FIXTURE_URL);
		const response = await answer;
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()} after the paste`);
		await page.waitForFunction((count) => document.querySelectorAll('#cards > li').length === count,
			extraction.images.length, { timeout: STEP_TIMEOUT_MS });
	});

	await check('fragment holds the address', async () => {
		const hash = await page.evaluate(() => window.location.hash);
		assert(hash === `#u=${base64Url(FIXTURE_URL)}`, `location.hash is "${hash}"`);
	});

	await check('results page accessible', async () => {
		await assertAccessible(page, axeSource, 'results');
	});

	await check('results accessible in dark mode', async () => {
		await page.emulateMedia({ colorScheme: 'dark' });
		try {
			await assertAccessible(page, axeSource, 'results, dark');
		} finally {
			await page.emulateMedia({ colorScheme: 'light' });
		}
	});

	await check('reload restores the results', async () => {
		await page.reload({ waitUntil: 'load' });
		await page.waitForFunction((count) => document.querySelectorAll('#cards > li').length === count,
			extraction.images.length, { timeout: STEP_TIMEOUT_MS });
	});

	await check('keyboard selects a card', async () => {
		await page.locator('#address').focus();
		let focused = '';
		for (let step = 0; step < 40 && focused !== 'checkbox'; step++) {
			await page.keyboard.press('Tab');
			focused = await page.evaluate(() => document.activeElement && document.activeElement.type);
		}
		assert(focused === 'checkbox', 'Tab never reached a card check box');
		await page.keyboard.press('Space');
		const countsText = await page.locator('#counts').textContent();
		assert(countsText.includes('1 selected'), `counts read "${countsText}" after Space`);
		await page.locator('#select-none').click();
	});

	const selected = [];
	await check('select two and export', async () => {
		assert(extraction, 'no extraction to export from');
		const cards = page.locator('#cards > li');
		const total = await cards.count();
		for (let index = 0; index < total && selected.length < 2; index++) {
			const url = await cards.nth(index).getAttribute('data-url');
			if (!fixture.images.has(url))
				continue;
			await cards.nth(index).getByRole('checkbox').check();
			selected.push(url);
		}
		assert(selected.length === 2, `found ${selected.length} cards of fixture images to select`);
		const countsText = await page.locator('#counts').textContent();
		assert(countsText.includes('2 selected'), `counts read "${countsText}"`);

		const download = page.waitForEvent('download', { timeout: EXPORT_TIMEOUT_MS });
		await page.locator('#export-button').click();
		const end = await waitForExportEnd(page);
		assert(end === 'done', `export ended with: ${await page.locator('#status').textContent()}`);

		const file = path.join(downloads, 'export.zip');
		await (await download).saveAs(file);
		const archive = readFileSync(file);
		const entries = readZip(archive);
		assert(entries.length === 2, `the ZIP file has ${entries.length} entries, expected 2`);
		const got = entries.map((entry) => sha256(entry.data)).sort();
		const expected = selected.map((url) => sha256(fixture.images.get(url))).sort();
		assert(JSON.stringify(got) === JSON.stringify(expected),
			`ZIP entries ${entries.map((entry) => entry.name).join(', ')} differ from the fixture images`);
		try {
			execFileSync('unzip', ['-tqq', file], { stdio: 'pipe' });
		} catch (error) {
			if (error.code !== 'ENOENT')
				throw new Error(`unzip -t rejects the download: ${String(error.stdout || error.message).trim()}`);
		}
	});

	await check('download again link', async () => {
		const link = page.locator('#download-link');
		assert(await link.isVisible(), 'the Download again link is hidden');
		const href = await link.getAttribute('href');
		assert(/cgi-bin\/export\.cgi\?token=./.test(href || ''), `link points to "${href}"`);
	});

	await check('no unexpected console errors', async () => {
		// Chromium reports every failed resource as a console error, so a
		// gallery image that is no image (HTTP 415 from preview.cgi) is allowed.
		const errors = unexpectedConsoleErrors(record, true);
		assert(errors.length === 0, `console error: ${errors[0] && errors[0].text}`);
		assert(record.pageErrors.length === 0, `uncaught exception: ${record.pageErrors[0]}`);
		const violations = await cspViolations(page);
		assert(violations.length === 0, `CSP violation: ${violations[0]}`);
	});

	await check('export lists a failed image', async () => {
		const response = await extractByKeyboard(page, MIXED_URL);
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()} for ${MIXED_URL}`);
		const total = (await response.json()).images.length;
		assert(total === 2, `extract.cgi found ${total} images on ${MIXED_URL}, expected 2`);
		await page.waitForFunction(() => document.querySelectorAll('#cards > li').length === 2,
			null, { timeout: STEP_TIMEOUT_MS });
		await page.waitForFunction(() => document.querySelector('#cards .thumb[data-state="failed"]'),
			null, { timeout: STEP_TIMEOUT_MS });

		await page.locator('#select-all').click();
		const download = page.waitForEvent('download', { timeout: EXPORT_TIMEOUT_MS });
		await page.locator('#export-button').click();
		const end = await waitForExportEnd(page);
		assert(end === 'done', `export ended with: ${await page.locator('#status').textContent()}`);
		const progress = await page.locator('#export-progress-text').textContent();
		assert(/1 failed/.test(progress), `progress reads "${progress}"`);
		assert(await page.locator('#export-failures').isVisible(), 'the list of failed images is hidden');
		const failed = await page.locator('#export-failures-list li').allTextContents();
		assert(failed.length === 1, `${failed.length} failed images listed, expected 1`);
		assert(failed[0].includes('broken.png'), `failed image listed as "${failed[0]}"`);
		const file = path.join(downloads, 'mixed.zip');
		await (await download).saveAs(file);
		const entries = readZip(readFileSync(file));
		assert(entries.length === 1, `the ZIP file has ${entries.length} entries, expected 1`);
	});

	await check('export of only failures', async () => {
		await page.locator('#select-none').click();
		const broken = page.locator('#cards > li', { has: page.locator('.thumb[data-state="failed"]') });
		await broken.getByRole('checkbox').check();
		await page.locator('#export-button').click();
		const end = await waitForExportEnd(page);
		assert(end === 'error', 'an export without any image ended as done');
		const text = await page.locator('#status').textContent();
		assert(/no ZIP file/i.test(text), `status reads "${text}"`);
		assert(await page.locator('#download-link').isHidden(), 'a download link is shown without an archive');
	});

	await check('previews wait until visible', async () => {
		const before = record.previewRequests;
		const response = await extractByKeyboard(page, MANY_URL);
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()} for ${MANY_URL}`);
		const total = (await response.json()).images.length;
		await page.waitForFunction((count) => document.querySelectorAll('#cards > li').length === count,
			total, { timeout: STEP_TIMEOUT_MS });
		await page.waitForTimeout(1500);
		const early = record.previewRequests - before;
		assert(early > 0, 'no preview started for the cards in view');
		assert(early < total, `all ${total} previews started before any scrolling`);
		const addresses = await page.locator('#cards > li').evaluateAll((items) => items.map((item) => item.dataset.url));
		await waitForPreviews(page, new Set(addresses));
	});

	await check('at most six previews at once', async () => {
		assert(record.maxPreviewsInFlight > 0, 'no preview request was seen');
		assert(record.maxPreviewsInFlight <= MAX_PARALLEL_PREVIEWS,
			`${record.maxPreviewsInFlight} previews were loading at once`);
	});

	await check('invalid address shows an error', async () => {
		await page.locator('#address').fill('not a web address');
		await page.locator('#address').press('Enter');
		await page.waitForFunction(() => document.getElementById('status').dataset.state === 'error',
			null, { timeout: STEP_TIMEOUT_MS });
		const text = (await page.locator('#status').textContent()).trim();
		assert(text.length > 20, `status reads "${text}"`);
	});

	await check('non-HTML address shows server error', async () => {
		const imageUrl = [...fixture.images.keys()][0];
		const response = await extractByKeyboard(page, imageUrl);
		assert(response.status() === 415, `extract.cgi returned HTTP ${response.status()} for an image address`);
		await page.waitForFunction(() => document.getElementById('status').dataset.state === 'error',
			null, { timeout: STEP_TIMEOUT_MS });
		const text = (await page.locator('#status').textContent()).trim();
		assert(/\.\s+\S/.test(text), `status "${text}" has no next step`);
		assert(await page.locator('#results').isHidden(), 'old results still shown after the error');
	});

	await check('page text stays text', async () => {
		const response = await extractByKeyboard(page, HOSTILE_URL);
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()} for ${HOSTILE_URL}`);
		await page.waitForFunction(() => document.querySelectorAll('#cards > li').length > 0,
			null, { timeout: STEP_TIMEOUT_MS });
		const captions = await page.locator('#cards .caption').allTextContents();
		assert(captions.some((caption) => caption.includes(HOSTILE_ALT)),
			`no caption contains ${HOSTILE_ALT}: ${JSON.stringify(captions)}`);
		assert(await page.locator('#cards img[src="x"]').count() === 0, 'an <img src=x> element was created');
		assert(await page.locator('#injected').count() === 0, 'markup from an alt attribute became an element');
		const info = await page.locator('#page-info').textContent();
		assert(info.includes('<script>'), `page title not shown as text: "${info}"`);
		await page.waitForTimeout(300);
		assert(record.dialogs.length === 0, `a dialog opened: ${record.dialogs[0]}`);
	});

	await check('fits a 360 px screen', async () => {
		await page.setViewportSize({ width: 360, height: 740 });
		await page.waitForTimeout(200);
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		assert(width <= 360, `the page is ${width} px wide at a 360 px viewport`);
		await page.setViewportSize({ width: 1280, height: 900 });
	});

	await check('no request leaves the app origin', async () => {
		assert(record.foreignRequests.length === 0,
			`${record.foreignRequests.length} requests left ${APP_ORIGIN}, first ${record.foreignRequests[0]}`);
	});

	await check('browser stores nothing', async () => {
		const cookies = await context.cookies();
		assert(cookies.length === 0, `${cookies.length} cookies set`);
		const stored = await page.evaluate(() => window.localStorage.length + window.sessionStorage.length);
		assert(stored === 0, `${stored} Web Storage items set`);
	});
}

try {
	await main();
} catch (error) {
	await check('test run', () => { throw error; });
}
console.log(`browser: ${outcomes.passed} passed, ${outcomes.failed} failed`);
process.exit(outcomes.failed > 0 ? 1 : 0);
