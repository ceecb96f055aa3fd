// The result model: image candidates grouped into pictures, what is known about each, and the page's filters and sort orders.
//
// A picture is one image in all the sizes the page offers (srcset widths,
// the same file with another query string). Its card shows one variant, the
// chosen one, which is also the one exported.

/* Images narrower or lower than this many pixels are tracking pixels, spacers or rules, hidden by default. */
export const TINY_PIXELS = 16;

/* File names that pages use for transparent spacer images. */
const SPACER_NAME = /(?:^|[/_-])(?:spacer|blank|pixel|transparent|clear|trans)\.(?:gif|png)$/i;

/* Visitor-facing names of the "kind" values of extract.cgi; src/htmlview.c has the same list. */
export const KIND_NAMES = {
	img: 'Image',
	srcset: 'Image (srcset size)',
	source: 'Picture source',
	lazy: 'Lazy-loaded image',
	css: 'Background',
	meta: 'Share card',
	icon: 'Icon',
	link: 'Linked image file',
	poster: 'Video poster',
	input: 'Image button',
	svg: 'SVG image',
	data: 'Embedded image',
	preload: 'Preloaded image',
	embed: 'Embedded object',
	original: 'Full-size original (guessed)',
};

/* The kind filter's choices: each covers some "kind" values. */
export const KIND_FILTERS = {
	image: ['img', 'srcset', 'source', 'lazy', 'svg', 'input', 'data', 'preload', 'embed', 'original'],
	background: ['css'],
	share: ['meta'],
	icon: ['icon'],
	other: ['link', 'poster'],
};

/* File types by media type, and by file name extension while the type is not known yet. */
const TYPE_NAMES = {
	'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/gif': 'GIF', 'image/webp': 'WebP',
	'image/avif': 'AVIF', 'image/svg+xml': 'SVG', 'image/bmp': 'BMP', 'image/x-icon': 'ICO',
	'image/vnd.microsoft.icon': 'ICO', 'image/tiff': 'TIFF',
};
const EXTENSION_TYPES = {
	jpg: 'JPEG', jpeg: 'JPEG', jpe: 'JPEG', jfif: 'JPEG', png: 'PNG', apng: 'PNG', gif: 'GIF',
	webp: 'WebP', avif: 'AVIF', svg: 'SVG', svgz: 'SVG', bmp: 'BMP', ico: 'ICO', cur: 'ICO',
	tif: 'TIFF', tiff: 'TIFF',
};

/** Returns the type name ("PNG") of a media type such as "image/png; charset=…", or null. */
export function typeFromMediaType(mediaType) {
	if (typeof mediaType !== 'string')
		return null;
	return TYPE_NAMES[mediaType.split(';')[0].trim().toLowerCase()] || null;
}

/* Guesses the type from a data: URI's media type or the path's extension. */
function typeFromAddress(url) {
	const data = /^data:([^;,]*)/i.exec(url);
	if (data)
		return typeFromMediaType(data[1]);
	try {
		const extension = /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname);
		return extension ? EXTENSION_TYPES[extension[1].toLowerCase()] || null : null;
	} catch {
		return null;
	}
}

function positiveInteger(value) {
	return Number.isInteger(value) && value > 0 ? value : null;
}

/*
 * Creates the variant record of one candidate of extract.cgi. Fields the
 * server adds with probing (type, bytes, and pixel sizes in "probe" or as
 * pixel_width/pixel_height) count as known facts when present.
 */
function createVariant(image, index) {
	const probe = image.probe && typeof image.probe === 'object' ? image.probe : {};
	const probedType = typeFromMediaType(probe.type) || typeFromMediaType(image.type)
		|| (typeof image.type === 'string' ? typeFromMediaType(`image/${image.type}`) : null);
	return {
		index,
		url: String(image.url),
		kind: String(image.kind || ''),
		alt: typeof image.alt === 'string' ? image.alt : '',
		declaredWidth: positiveInteger(image.width),
		declaredHeight: positiveInteger(image.height),
		descriptor: typeof image.descriptor === 'string' ? image.descriptor : '',
		best: image.best === true,
		type: probedType,
		guessedType: typeFromAddress(String(image.url)),
		pixelWidth: positiveInteger(probe.width) || positiveInteger(image.pixel_width),
		pixelHeight: positiveInteger(probe.height) || positiveInteger(image.pixel_height),
		bytes: positiveInteger(probe.bytes) || positiveInteger(image.bytes),
	};
}

/*
 * Query parameters that image services and CDNs use to pick a size or
 * encoding of the same picture (imgix, Cloudinary fetch, WordPress Photon,
 * Next.js and others). Every other parameter can name another picture
 * (image.php?id=5), so it stays in the key.
 */
const SIZE_PARAMETERS = new Set(['w', 'h', 'width', 'height', 'size', 'resize', 'fit', 'crop', 'quality',
	'q', 'dpr', 'format', 'fm', 'auto', 'scale', 'maxwidth', 'maxheight', 'imwidth']);

/* File name suffixes that mark a size of the same picture: WordPress "-300x200" and the "@2x" of Retina files. */
const SIZE_SUFFIX = /(?:-\d{2,5}x\d{2,5}|@\d(?:\.\d)?x)(\.[a-z0-9]{2,5})$/i;

/*
 * Returns the key that groups variants: the server's "group" when it sends
 * one, else the address without fragment, size parameters and size suffix.
 */
export function groupKey(image) {
	if (typeof image.group === 'string' || Number.isInteger(image.group))
		return `group:${image.group}`;
	const url = String(image.url);
	if (url.startsWith('data:'))
		return `data:${url}`;
	try {
		const parsed = new URL(url);
		for (const name of [...parsed.searchParams.keys()])
			if (SIZE_PARAMETERS.has(name.toLowerCase()))
				parsed.searchParams.delete(name);
		parsed.searchParams.sort();
		const path = parsed.pathname.replace(SIZE_SUFFIX, '$1');
		return `path:${parsed.origin}${path}${parsed.search}`;
	} catch {
		return `url:${url}`;
	}
}

/* Ranks a variant by the size the page declares for it: pixels known, else width, else srcset descriptor. */
function declaredRank(variant) {
	if (variant.pixelWidth && variant.pixelHeight)
		return variant.pixelWidth * variant.pixelHeight;
	const width = /^(\d+)w$/.exec(variant.descriptor);
	const density = /^(\d+(?:\.\d+)?)x$/.exec(variant.descriptor);
	let rank = variant.declaredWidth ? variant.declaredWidth * (variant.declaredHeight || variant.declaredWidth) : 0;
	if (width)
		rank = Math.max(rank, Number(width[1]) ** 2);
	if (density)
		rank = Math.max(rank, Number(density[1]) * 1e6);
	return rank;
}

/* Returns the position of the variant to show first: the one the server marks "best", else the largest declared. */
function bestVariant(variants) {
	const marked = variants.findIndex((variant) => variant.best);
	if (marked >= 0)
		return marked;
	let best = 0;
	for (let index = 1; index < variants.length; index++)
		if (declaredRank(variants[index]) > declaredRank(variants[best]))
			best = index;
	return best;
}

/**
 * Groups the images of an extract.cgi response into pictures, in the page
 * order of each picture's first variant. Each picture is
 * {id, variants, chosen, selected, shown, card}.
 */
export function groupImages(images) {
	const byKey = new Map();
	const pictures = [];
	images.forEach((image, index) => {
		const key = groupKey(image);
		let picture = byKey.get(key);
		if (!picture) {
			picture = { id: pictures.length, variants: [], chosen: 0, selected: false, shown: true, card: null };
			byKey.set(key, picture);
			pictures.push(picture);
		}
		picture.variants.push(createVariant(image, index));
	});
	for (const picture of pictures)
		picture.chosen = bestVariant(picture.variants);
	return pictures;
}

/** Returns the variant a picture's card shows and exports. */
export function chosenVariant(picture) {
	return picture.variants[picture.chosen];
}

/** Returns the type name of a variant: known from its bytes, else guessed from its address, else null. */
export function variantType(variant) {
	return variant.type || variant.guessedType;
}

/* Returns {width, height} in pixels when known, else the declared size, else null. */
function bestKnownSize(variant) {
	if (variant.pixelWidth && variant.pixelHeight)
		return { width: variant.pixelWidth, height: variant.pixelHeight };
	if (variant.declaredWidth && variant.declaredHeight)
		return { width: variant.declaredWidth, height: variant.declaredHeight };
	return null;
}

/** Tells whether a variant is a tracking pixel or spacer: under TINY_PIXELS on a side, or named like a spacer. */
export function isTiny(variant) {
	const size = bestKnownSize(variant);
	if (size && (size.width < TINY_PIXELS || size.height < TINY_PIXELS))
		return true;
	return !variant.url.startsWith('data:') && SPACER_NAME.test(variant.url.split(/[?#]/)[0]);
}

/**
 * Tells whether a picture passes the filter {text, type, kind, minWidth,
 * minHeight, hideTiny}. A size filter lets pictures of unknown size through,
 * because their size is known only once their preview has loaded.
 */
export function matchesFilter(picture, filter) {
	const variant = chosenVariant(picture);
	if (filter.hideTiny && isTiny(variant))
		return false;
	if (filter.type && variantType(variant) !== filter.type)
		return false;
	if (filter.kind && !picture.variants.some((v) => (KIND_FILTERS[filter.kind] || []).includes(v.kind)))
		return false;
	const size = bestKnownSize(variant);
	if (size && (size.width < filter.minWidth || size.height < filter.minHeight))
		return false;
	if (filter.text) {
		const found = picture.variants.some((v) => v.url.toLowerCase().includes(filter.text)
			|| v.alt.toLowerCase().includes(filter.text));
		if (!found)
			return false;
	}
	return true;
}

/* Sort keys, largest first; unknown values sort last, then page order. */
const SORT_KEYS = {
	pixels: (variant) => (variant.pixelWidth && variant.pixelHeight ? variant.pixelWidth * variant.pixelHeight : -1),
	bytes: (variant) => variant.bytes || -1,
};

/** Returns the pictures in the order the sort select names: "page", "pixels" or "bytes". */
export function sortPictures(pictures, order) {
	const key = SORT_KEYS[order];
	if (!key)
		return pictures.slice().sort((a, b) => a.id - b.id);
	return pictures.slice().sort((a, b) => key(chosenVariant(b)) - key(chosenVariant(a)) || a.id - b.id);
}

/** Formats a byte count for people: "820 bytes", "14.2 kB", "3.1 MB". */
export function formatBytes(count) {
	if (!Number.isFinite(count) || count < 1000)
		return `${count} bytes`;
	if (count < 1000 * 1000)
		return `${(count / 1000).toFixed(1)} kB`;
	return `${(count / 1000 / 1000).toFixed(1)} MB`;
}

/** Returns a short name for an image address: the decoded last path segment, or "Embedded TYPE". */
export function fileName(url) {
	const data = /^data:([^;,]*)/i.exec(url);
	if (data)
		return `Embedded ${data[1] || 'data'}`;
	try {
		const parsed = new URL(url);
		const segment = parsed.pathname.split('/').filter(Boolean).pop();
		if (!segment)
			return parsed.host;
		try {
			return decodeURIComponent(segment);
		} catch {
			return segment;
		}
	} catch {
		return url;
	}
}
