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
//   IMAGEGATHER_LIMITED_APP_URL  a second installation that allows one extraction
//                            per hour; the rate-limit check is skipped without it
//   IMAGEGATHER_SCREENSHOTS  folder for the screenshots of each state (default build/screenshots)
//   CHROMIUM                 the browser binary (default /usr/bin/chromium)
//
// The fixture origin must be tests/origin.py, whose /page, /status and
// /slow endpoints make the pages without images, the refusing site and the
// slow image.
//
// Prints "ok - NAME" or "not ok - NAME: reason" per check, "# ..." lines
// with the page timings, then "browser: N passed, M failed", and exits 1
// when a check failed.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { groupKey } from '../../public_html/js/model.js';

const APP_URL = process.env.IMAGEGATHER_APP_URL || 'http://127.0.0.1:8080/';
const FIXTURE_URL = process.env.IMAGEGATHER_FIXTURE_URL || 'http://127.0.0.1:8099/fixtures/gallery.html';
const HOSTILE_URL = process.env.IMAGEGATHER_HOSTILE_URL
	|| new URL('/fixtures/browser/hostile.html', FIXTURE_URL).href;
const MANY_URL = process.env.IMAGEGATHER_MANY_URL || new URL('/fixtures/browser/many.html', FIXTURE_URL).href;
const MIXED_URL = process.env.IMAGEGATHER_MIXED_URL || new URL('/fixtures/browser/mixed.html', FIXTURE_URL).href;
const LIMITED_APP_URL = process.env.IMAGEGATHER_LIMITED_APP_URL || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOTS = process.env.IMAGEGATHER_SCREENSHOTS
	|| path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'build', 'screenshots');
const APP_ORIGIN = new URL(APP_URL).origin;
const LIMITED_ORIGIN = LIMITED_APP_URL ? new URL(LIMITED_APP_URL).origin : APP_ORIGIN;
/* A private address: the default test site exempts only loopback, so extract.cgi rejects it with 403. */
const BLOCKED_URL = 'http://10.0.0.1/';
/* Candidates in the synthetic result that measures the page's speed. */
const MANY_CANDIDATES = 1000;
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
	// Previews the page's script loads; the page without JavaScript leaves them to the browser.
	const isPreview = (request) => new URL(request.url()).pathname.endsWith('/cgi-bin/preview.cgi')
		&& request.resourceType() === 'fetch';
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
		if (url.origin !== APP_ORIGIN && url.origin !== LIMITED_ORIGIN)
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
		const url = await card.getAttribute('data-url');
		if (!addresses.has(url) || await card.isHidden())
			continue;
		await card.scrollIntoViewIfNeeded();
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

/* Saves a screenshot of the page under SCREENSHOTS as NAME.png. */
async function screenshot(page, name, options = {}) {
	mkdirSync(SCREENSHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), ...options });
}

/* Waits until the status line has the given data-state, and returns its text. */
async function waitForStatus(page, state) {
	await page.waitForFunction((wanted) => document.getElementById('status').dataset.state === wanted,
		state, { timeout: STEP_TIMEOUT_MS });
	return (await page.locator('#status').textContent()).trim();
}

/* Extracts address, waits for the error it must end with, and returns {status, text}. */
async function extractExpectingError(page, address) {
	const response = await extractByKeyboard(page, address);
	const text = await waitForStatus(page, 'error');
	return { status: response.status(), text };
}

/* Returns the number of distinct pictures the page makes of an extract.cgi response. */
function pictureCount(extraction) {
	return new Set(extraction.images.map((image) => groupKey(image))).size;
}

/* Reads the counts line: {shown, hidden, selected}. */
async function readCounts(page) {
	const text = await page.locator('#counts').textContent();
	const match = /(\d+) shown, (\d+) hidden, (\d+) selected/.exec(text);
	assert(match, `counts read "${text}"`);
	return { shown: Number(match[1]), hidden: Number(match[2]), selected: Number(match[3]), text };
}

/* Returns the data-url of every card that is not hidden, in display order. */
async function shownCardUrls(page) {
	return page.locator('#cards > li:not([hidden])').evaluateAll((items) => items.map((item) => item.dataset.url));
}

/*
 * Runs action in the page and returns the milliseconds until the next frame
 * could be drawn after it: the script's own time plus style and layout.
 */
async function timeInPage(page, action, value = '') {
	return page.evaluate(async ({ name, argument }) => {
		const setControl = (id, text, type) => {
			const control = document.getElementById(id);
			control.value = text;
			control.dispatchEvent(new Event(type));
		};
		// Built in here, because the page's Content-Security-Policy forbids eval and new Function.
		const actions = {
			text: () => setControl('filter-text', argument, 'input'),
			minWidth: () => setControl('filter-min-width', argument, 'input'),
			sort: () => setControl('sort', argument, 'change'),
			click: () => document.querySelector(argument).click(),
		};
		const started = performance.now();
		actions[name]();
		await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
		return performance.now() - started;
	}, { name: action, argument: value });
}

/*
 * Builds an extract.cgi response with count candidates: the fixture images
 * under distinct query strings, so that each is its own picture and its
 * preview loads.
 */
function syntheticResult(count) {
	const files = ['red.png', 'blue.gif', 'green.jpg', 'star.svg'];
	const images = [];
	for (let index = 0; index < count; index++) {
		const file = files[index % files.length];
		images.push({
			url: new URL(`/fixtures/browser/${file}?copy=${index}`, FIXTURE_URL).href,
			kind: index % 10 === 0 ? 'css' : 'img',
			alt: `Synthetic picture ${index} (${file})`,
			width: index % 3 === 0 ? 64 + index : null,
			height: index % 3 === 0 ? 48 + index : null,
			descriptor: null,
		});
	}
	return { page: { url: FIXTURE_URL, final_url: FIXTURE_URL, title: 'Synthetic page' }, images, count, truncated: false };
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
		await screenshot(page, 'desktop-empty');
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
	await check('enter shows one card per picture', async () => {
		const response = await extractByKeyboard(page, FIXTURE_URL);
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()}: ${(await response.text()).slice(0, 200)}`);
		extraction = await response.json();
		const expected = pictureCount(extraction);
		await page.waitForFunction((count) => document.querySelectorAll('#cards > li').length === count,
			expected, { timeout: STEP_TIMEOUT_MS });
		// A card shows one size of its picture, so each <img> address must be in some card's group.
		const keyOf = new Map(extraction.images.map((image) => [image.url, groupKey(image)]));
		const cardUrls = await page.locator('#cards > li').evaluateAll((items) => items.map((item) => item.dataset.url));
		const cardKeys = new Set(cardUrls.map((url) => keyOf.get(url)));
		for (const url of fixture.sources)
			assert(keyOf.has(url), `extract.cgi did not report ${url}`);
		for (const url of fixture.sources)
			assert(cardKeys.has(keyOf.get(url)), `no card for ${url}`);
		const counted = await readCounts(page);
		assert(counted.shown + counted.hidden === expected, `counts read "${counted.text}" for ${expected} pictures`);
		const state = await page.locator('#status').getAttribute('data-state');
		assert(state === 'done', `status state is "${state}" after extraction`);
	});

	await check('previews load through preview.cgi', async () => {
		assert(extraction, 'no extraction to check');
		await waitForPreviews(page, new Set(fixture.images.keys()));
		const direct = record.imageRequests.filter((url) => !new URL(url).pathname.endsWith('/cgi-bin/preview.cgi')
			&& !url.startsWith('blob:'));
		assert(direct.length === 0, `image loaded directly: ${direct[0]}`);
	});

	await check('card shows size, type and bytes', async () => {
		const redUrl = new URL('img/red.png', FIXTURE_URL).href;
		const card = page.locator(`#cards > li[data-url="${redUrl}"]`);
		await page.waitForFunction((url) => {
			const item = [...document.querySelectorAll('#cards > li')].find((li) => li.dataset.url === url);
			return item && /px$/.test(item.querySelector('.facts').textContent.split('Type')[0]);
		}, redUrl, { timeout: STEP_TIMEOUT_MS });
		const facts = await card.locator('.facts').textContent();
		assert(facts.includes('64 × 48 px'), `facts read "${facts}"`);
		assert(/Type:?\s*PNG(?! \(from)/.test(facts), `type not known from the preview: "${facts}"`);
		const bytes = fixture.images.get(redUrl).length;
		assert(facts.includes(`${bytes} bytes`), `file size of ${bytes} bytes missing: "${facts}"`);
		assert(facts.includes('Image'), `kind of source not in words: "${facts}"`);
	});

	await check('tiny images hidden by default', async () => {
		const dotUrl = new URL('img/dot.gif', FIXTURE_URL).href;
		const card = page.locator(`#cards > li[data-url="${dotUrl}"]`);
		assert(await card.count() === 1, 'no card for the 2 × 2 icon');
		await card.scrollIntoViewIfNeeded().catch(() => {});
		await page.waitForFunction((url) => {
			const item = [...document.querySelectorAll('#cards > li')].find((li) => li.dataset.url === url);
			return item && item.hidden;
		}, dotUrl, { timeout: STEP_TIMEOUT_MS });
		const counted = await readCounts(page);
		assert(counted.hidden >= 1, `counts read "${counted.text}"`);
		await page.locator('#filters').evaluate((details) => { details.open = true; });
		await page.locator('#filter-tiny').uncheck();
		assert(await card.isVisible(), 'the 2 × 2 icon stays hidden with the tiny filter off');
		await page.locator('#filter-tiny').check();
		assert(await card.isHidden(), 'the 2 × 2 icon is shown with the tiny filter on');
	});

	await check('filter by text, type and kind', async () => {
		await page.locator('#filters').evaluate((details) => { details.open = true; });
		await page.locator('#filter-text').fill('red');
		let urls = await shownCardUrls(page);
		assert(urls.length >= 1, 'the text filter "red" hides every card');
		const alts = await page.locator('#cards > li:not([hidden]) .caption').allTextContents();
		assert(urls.every((url, index) => /red/i.test(url) || /red/i.test(alts[index])), `a shown card has no "red": ${urls.join(', ')}`);
		await page.locator('#filter-text').fill('');

		await page.locator('#filter-type').selectOption('JPEG');
		urls = await shownCardUrls(page);
		assert(urls.length === 1, `JPEG filter shows ${urls.length} cards: ${urls.join(', ')}`);
		assert(urls[0].endsWith('photo.jpg'), `JPEG filter shows ${urls[0]}`);
		await page.locator('#filter-type').selectOption('');

		await page.locator('#filter-kind').selectOption('background');
		urls = await shownCardUrls(page);
		assert(urls.length === 1, `background filter shows ${urls.length} cards: ${urls.join(', ')}`);
		assert(urls[0].endsWith('tile.png'), `background filter shows ${urls[0]}`);
		await page.locator('#filter-kind').selectOption('');

		await page.locator('#filter-min-width').fill('100');
		urls = await shownCardUrls(page);
		assert(!urls.some((url) => url.endsWith('/red.png')), `64 px wide red.png shown with minimum width 100: ${urls.join(', ')}`);
		const counted = await readCounts(page);
		assert(counted.shown === urls.length, `counts read "${counted.text}" with ${urls.length} cards shown`);
		await page.locator('#filter-min-width').fill('');
	});

	await check('sort by file size', async () => {
		await page.locator('#sort').selectOption('bytes');
		const sizes = await page.locator('#cards > li:not([hidden])').evaluateAll((items) => items.map((item) => {
			const text = item.querySelector('.facts').textContent;
			const match = /File size:?\s*([\d.]+) (bytes|kB|MB)/.exec(text);
			if (!match)
				return -1;
			return Number(match[1]) * { bytes: 1, kB: 1e3, MB: 1e6 }[match[2]];
		}));
		const known = sizes.filter((size) => size >= 0);
		assert(known.length >= 2, `only ${known.length} cards have a known file size`);
		for (let index = 1; index < known.length; index++)
			assert(known[index - 1] >= known[index], `sizes out of order: ${sizes.join(', ')}`);
		await page.locator('#sort').selectOption('page');
	});

	await check('size variant switches the card', async () => {
		const card = page.locator('#cards > li', { has: page.locator('select[data-role="variant"]') }).first();
		if (await card.count() === 0) {
			console.log('# size variant check skipped: extract.cgi grouped no sizes of the gallery');
			return;
		}
		const before = await card.getAttribute('data-url');
		const select = card.locator('select[data-role="variant"]');
		const options = await select.locator('option').count();
		const current = await select.inputValue();
		const other = String((Number(current) + 1) % options);
		await select.selectOption(other);
		const after = await card.getAttribute('data-url');
		assert(after !== before, `the card still shows ${before}`);
		assert(extraction.images.some((image) => image.url === after), `the card shows ${after}, which extract.cgi did not report`);
		await waitForPreviews(page, new Set([after]));
		await select.selectOption(current);
		assert(await card.getAttribute('data-url') === before, 'the card did not switch back');
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
			pictureCount(extraction), { timeout: STEP_TIMEOUT_MS });
	});

	await check('fragment holds the address', async () => {
		const hash = await page.evaluate(() => window.location.hash);
		assert(hash === `#u=${base64Url(FIXTURE_URL)}`, `location.hash is "${hash}"`);
	});

	await check('results page accessible', async () => {
		await waitForPreviews(page, new Set(fixture.images.keys()));
		await screenshot(page, 'desktop-results', { fullPage: true });
		await assertAccessible(page, axeSource, 'results');
	});

	await check('results accessible in dark mode', async () => {
		await page.emulateMedia({ colorScheme: 'dark' });
		try {
			await screenshot(page, 'desktop-results-dark', { fullPage: true });
			await assertAccessible(page, axeSource, 'results, dark');
		} finally {
			await page.emulateMedia({ colorScheme: 'light' });
		}
	});

	await check('reload restores the results', async () => {
		await page.reload({ waitUntil: 'load' });
		await page.waitForFunction((count) => document.querySelectorAll('#cards > li').length === count,
			pictureCount(extraction), { timeout: STEP_TIMEOUT_MS });
	});

	await check('keyboard selects a card', async () => {
		await page.locator('#address').focus();
		let inCard = false;
		for (let step = 0; step < 60 && !inCard; step++) {
			await page.keyboard.press('Tab');
			inCard = await page.evaluate(() => {
				const active = document.activeElement;
				return Boolean(active && active.type === 'checkbox' && active.closest('#cards'));
			});
		}
		assert(inCard, 'Tab never reached a card check box');
		const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
		assert(outline !== 'none', 'the focused check box has no visible outline');
		await page.keyboard.press('Space');
		let counted = await readCounts(page);
		assert(counted.selected === 1, `counts read "${counted.text}" after Space`);
		await page.keyboard.press('Space');
		counted = await readCounts(page);
		assert(counted.selected === 0, `counts read "${counted.text}" after a second Space`);
	});

	await check('click, shift-click, invert, all', async () => {
		const cards = page.locator('#cards > li:not([hidden])');
		const shown = await cards.count();
		assert(shown >= 4, `only ${shown} cards shown`);
		await cards.nth(0).locator('.caption').click();
		let counted = await readCounts(page);
		assert(counted.selected === 1, `a click on the card left "${counted.text}"`);
		await cards.nth(3).locator('.caption').click({ modifiers: ['Shift'] });
		counted = await readCounts(page);
		assert(counted.selected === 4, `shift-click selected ${counted.selected}, expected 4`);
		assert(/archive (about|at least)/.test(counted.text), `no archive estimate in "${counted.text}"`);
		await page.locator('#select-invert').click();
		counted = await readCounts(page);
		assert(counted.selected === shown - 4, `invert left ${counted.selected} of ${shown} selected`);
		await page.locator('#select-all').click();
		counted = await readCounts(page);
		assert(counted.selected === shown, `select all shown left ${counted.selected} of ${shown} selected`);
		await page.locator('#select-none').click();
		counted = await readCounts(page);
		assert(counted.selected === 0, `select none left ${counted.selected} selected`);
	});

	const selected = [];
	await check('select two and export', async () => {
		assert(extraction, 'no extraction to export from');
		const cards = page.locator('#cards > li');
		const total = await cards.count();
		for (let index = 0; index < total && selected.length < 2; index++) {
			const url = await cards.nth(index).getAttribute('data-url');
			if (!fixture.images.has(url) || await cards.nth(index).isHidden())
				continue;
			await cards.nth(index).getByRole('checkbox').check();
			selected.push(url);
		}
		assert(selected.length === 2, `found ${selected.length} cards of fixture images to select`);
		const counted = await readCounts(page);
		assert(counted.selected === 2, `counts read "${counted.text}"`);

		// The picture for the README: the result grid with a selection, as a visitor sees it.
		await page.setViewportSize({ width: 1100, height: 760 });
		await page.locator('#filters').evaluate((details) => { details.open = false; });
		await page.locator('#results-heading').evaluate((heading) => heading.scrollIntoView());
		await screenshot(page, 'readme-results');
		await page.setViewportSize({ width: 1280, height: 900 });

		const download = page.waitForEvent('download', { timeout: EXPORT_TIMEOUT_MS });
		await page.locator('#export-button').focus();
		await page.keyboard.press('Enter');
		const end = await waitForExportEnd(page);
		assert(end === 'done', `export ended with: ${await page.locator('#status').textContent()}`);
		await screenshot(page, 'desktop-export-done');

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

	await check('copy selected addresses', async () => {
		await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: APP_ORIGIN });
		await page.locator('#copy-button').click();
		await page.waitForFunction(() => /Copied|clipboard/.test(document.getElementById('status').textContent),
			null, { timeout: STEP_TIMEOUT_MS });
		const text = await page.locator('#status').textContent();
		assert(/^Copied 2 addresses/.test(text), `status reads "${text}"`);
		const copied = await page.evaluate(() => navigator.clipboard.readText());
		assert(copied === `${selected.join('\n')}\n` || copied.split('\n').filter(Boolean).sort().join() === selected.slice().sort().join(),
			`clipboard holds "${copied}"`);
	});

	await check('save addresses as text file', async () => {
		const download = page.waitForEvent('download', { timeout: STEP_TIMEOUT_MS });
		await page.locator('#save-button').click();
		const file = path.join(downloads, 'addresses.txt');
		const saved = await download;
		await saved.saveAs(file);
		const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
		assert(JSON.stringify(lines.slice().sort()) === JSON.stringify(selected.slice().sort()), `the text file holds ${JSON.stringify(lines)}`);
		assert(saved.suggestedFilename().endsWith('.txt'), `suggested name "${saved.suggestedFilename()}"`);
		const violations = await cspViolations(page);
		assert(violations.length === 0, `CSP violation: ${violations[0]}`);
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
		assert(/^broken\.png: \S/.test(failed[0]), `failed image listed as "${failed[0]}"`);
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

	await check('cancel stops an export', async () => {
		const slow = new URL('/slow?seconds=20', FIXTURE_URL).href;
		const markup = `<img src="${new URL('/fixtures/browser/red.png', FIXTURE_URL).href}" alt="red"><img src="${slow}" alt="slow">`;
		const pageUrl = new URL(`/page?html=${encodeURIComponent(markup)}`, FIXTURE_URL).href;
		const response = await extractByKeyboard(page, pageUrl);
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()}`);
		await page.waitForFunction(() => document.querySelectorAll('#cards > li').length === 2, null, { timeout: STEP_TIMEOUT_MS });
		await page.locator('#select-all').click();
		await page.locator('#export-button').click();
		await page.locator('#cancel-button').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
		await page.waitForFunction(() => /Fetched 1 of/.test(document.getElementById('export-progress-text').textContent),
			null, { timeout: STEP_TIMEOUT_MS });
		const started = Date.now();
		await page.locator('#cancel-button').click();
		await page.waitForFunction(() => /^Cancelled/.test(document.getElementById('export-progress-text').textContent),
			null, { timeout: STEP_TIMEOUT_MS });
		assert(Date.now() - started < 5000, 'cancelling took more than 5 seconds');
		const text = await page.locator('#status').textContent();
		assert(/cancelled/i.test(text), `status reads "${text}"`);
		assert(await page.locator('#cancel-button').isHidden(), 'the Cancel button stays after cancelling');
		assert(await page.locator('#download-link').isHidden(), 'a download link is shown after cancelling');
		assert(await page.locator('#export-button').isEnabled(), 'Export stays disabled after cancelling');
	});

	await check('previews wait until visible', async () => {
		const before = record.previewRequests;
		const response = await extractByKeyboard(page, MANY_URL);
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()} for ${MANY_URL}`);
		const result = await response.json();
		const total = pictureCount(result);
		assert(total === result.images.length, `${result.images.length} images became ${total} pictures`);
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
		const text = await waitForStatus(page, 'error');
		assert(/not a valid web address/.test(text), `status reads "${text}"`);
		assert(await page.locator('#results').isHidden(), 'results shown after an invalid address');
	});

	await check('non-HTML address shows server error', async () => {
		const imageUrl = [...fixture.images.keys()][0];
		const { status, text } = await extractExpectingError(page, imageUrl);
		assert(status === 415, `extract.cgi returned HTTP ${status} for an image address`);
		assert(/\.\s+\S/.test(text), `status "${text}" has no next step`);
		assert(await page.locator('#results').isHidden(), 'old results still shown after the error');
	});

	await check('blocked address explained', async () => {
		const { status, text } = await extractExpectingError(page, BLOCKED_URL);
		assert(status === 403, `extract.cgi returned HTTP ${status} for ${BLOCKED_URL}`);
		assert(/public/.test(text), `status "${text}" does not say that only public sites are fetched`);
	});

	await check('refusing site explained', async () => {
		const { status, text } = await extractExpectingError(page, new URL('/status?code=403', FIXTURE_URL).href);
		assert(status === 502, `extract.cgi returned HTTP ${status} for a site answering 403`);
		assert(text.startsWith('This site refused the request (HTTP 403).'), `status reads "${text}"`);
		await screenshot(page, 'desktop-error');
		await assertAccessible(page, axeSource, 'error');
	});

	await check('page without images explained', async () => {
		const pageUrl = new URL(`/page?html=${encodeURIComponent('<title>Text only</title><p>No pictures here.</p>')}`, FIXTURE_URL).href;
		const response = await extractByKeyboard(page, pageUrl);
		assert(response.ok(), `extract.cgi returned HTTP ${response.status()}`);
		const text = await waitForStatus(page, 'error');
		assert(/^No images were found on this page\. \S/.test(text), `status reads "${text}"`);
	});

	await check('rate limit tells when to retry', async () => {
		if (!LIMITED_APP_URL) {
			console.log('# rate limit check skipped: IMAGEGATHER_LIMITED_APP_URL is not set');
			return;
		}
		const limited = await context.newPage();
		try {
			await limited.goto(LIMITED_APP_URL, { waitUntil: 'load' });
			await extractByKeyboard(limited, FIXTURE_URL);
			await waitForStatus(limited, 'done');
			const { status, text } = await extractExpectingError(limited, FIXTURE_URL);
			assert(status === 429, `extract.cgi returned HTTP ${status} on the second extraction`);
			assert(/^You have reached 1 extractions? this hour; try again in \d+ minutes?\.$/.test(text), `status reads "${text}"`);
		} finally {
			await limited.close();
		}
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

	await check('phone: results, touch targets', async () => {
		const phone = await context.newPage();
		try {
			await phone.setViewportSize({ width: 360, height: 740 });
			await phone.goto(APP_URL, { waitUntil: 'load' });
			await screenshot(phone, 'phone-empty');
			await extractByKeyboard(phone, FIXTURE_URL);
			await waitForStatus(phone, 'done');
			await waitForPreviews(phone, new Set(fixture.images.keys()));
			const width = await phone.evaluate(() => document.documentElement.scrollWidth);
			assert(width <= 360, `the result page is ${width} px wide at a 360 px viewport`);
			const small = await phone.evaluate(() => [...document.querySelectorAll('button, select, input, summary, label.pick')]
				.filter((element) => element.offsetParent !== null && element.type !== 'hidden')
				.filter((element) => element.type !== 'checkbox')
				.map((element) => ({ id: element.id || element.textContent.trim().slice(0, 30), box: element.getBoundingClientRect() }))
				.filter(({ box }) => box.height < 44 || box.width < 44)
				.map(({ id, box }) => `${id} ${Math.round(box.width)}×${Math.round(box.height)}`));
			assert(small.length === 0, `touch targets under 44 px: ${small.join('; ')}`);
			await screenshot(phone, 'phone-results', { fullPage: true });
			await phone.emulateMedia({ colorScheme: 'dark' });
			await screenshot(phone, 'phone-results-dark');
			await assertAccessible(phone, axeSource, 'phone results, dark');
		} finally {
			await phone.close();
		}
	});

	await check('reduced motion stops the spinner', async () => {
		const still = await context.newPage();
		try {
			await still.emulateMedia({ reducedMotion: 'reduce' });
			await still.goto(APP_URL, { waitUntil: 'load' });
			const animation = await still.evaluate(() => {
				const status = document.getElementById('status');
				status.dataset.state = 'busy';
				return getComputedStyle(status, '::before').animationName;
			});
			assert(animation === 'none', `the busy indicator animates with "${animation}"`);
		} finally {
			await still.close();
		}
	});

	await check(`${MANY_CANDIDATES} candidates: timings`, async () => {
		const timed = await context.newPage();
		try {
			const result = syntheticResult(MANY_CANDIDATES);
			await timed.route('**/cgi-bin/extract.cgi', (route) => route.fulfill({
				status: 200,
				contentType: 'application/json; charset=utf-8',
				body: JSON.stringify(result),
			}));
			await timed.goto(APP_URL, { waitUntil: 'load' });
			const started = Date.now();
			await extractByKeyboard(timed, FIXTURE_URL);
			await timed.waitForFunction((count) => document.querySelectorAll('#cards > li').length === count,
				MANY_CANDIDATES, { timeout: STEP_TIMEOUT_MS });
			console.log(`# page timing: show ${MANY_CANDIDATES} cards (extract response to cards, wall clock): ${Date.now() - started} ms`);
			const steps = [
				['filter by text (one key)', 'text', 'r'],
				['filter by text (three keys)', 'text', 'red'],
				['clear the text filter', 'text', ''],
				['minimum width', 'minWidth', '300'],
				['clear minimum width', 'minWidth', ''],
				['select all shown', 'click', '#select-all'],
				['toggle one card', 'click', '#cards > li:not([hidden]) .caption'],
				['invert selection', 'click', '#select-invert'],
				['select none', 'click', '#select-none'],
				['sort by pixel size', 'sort', 'pixels'],
				['sort back to page order', 'sort', 'page'],
			];
			const rounds = 5;
			const timings = new Map(steps.map(([name]) => [name, []]));
			for (let round = 0; round < rounds; round++)
				for (const [name, action, value] of steps)
					timings.get(name).push(await timeInPage(timed, action, value));
			for (const [name, values] of timings) {
				const sorted = values.slice().sort((a, b) => a - b);
				console.log(`# page timing: ${name}: median ${sorted[Math.floor(rounds / 2)].toFixed(1)} ms, `
					+ `max ${sorted[rounds - 1].toFixed(1)} ms of ${rounds}`);
			}
			const counted = await readCounts(timed);
			assert(counted.shown + counted.hidden === MANY_CANDIDATES, `counts read "${counted.text}"`);
		} finally {
			await timed.close();
		}
	});

	await check('form works without JavaScript', async () => {
		// A persistent context cannot switch JavaScript off, so the page's scripts are not delivered.
		const noScript = await context.newPage();
		try {
			await noScript.route('**/*.js', (route) => route.abort());
			await noScript.goto(APP_URL, { waitUntil: 'load' });
			await noScript.locator('#address').fill(FIXTURE_URL);
			await Promise.all([
				noScript.waitForURL(/cgi-bin\/extract\.cgi$/, { timeout: STEP_TIMEOUT_MS }),
				noScript.locator('#extract-button').click(),
			]);
			const boxes = noScript.locator('input[type="checkbox"][name="u"]');
			assert(await boxes.count() >= fixture.sources.length, `${await boxes.count()} check boxes on the result page`);
			await boxes.nth(0).check();
			await Promise.all([
				noScript.waitForURL(/cgi-bin\/export\.cgi$/, { timeout: EXPORT_TIMEOUT_MS }),
				noScript.getByRole('button', { name: 'Export selected' }).click(),
			]);
			await noScript.getByRole('link', { name: 'Download the ZIP file' }).waitFor({ timeout: EXPORT_TIMEOUT_MS });
			await screenshot(noScript, 'desktop-no-javascript-export');
			await assertAccessible(noScript, axeSource, 'export page without JavaScript');
		} finally {
			await noScript.close();
			// The scripts this check withheld are the only resources allowed to fail.
			record.consoleErrors = record.consoleErrors.filter((entry) => !/net::ERR_FAILED/.test(entry.text));
		}
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
