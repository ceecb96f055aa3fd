<?php
// Extraction benchmark with PHP's DOMDocument and DOMXPath, for comparison
// with bench/extract.c: reads the same kinds of image URLs (img src and
// srcset, picture source srcset, data-src and data-srcset, og:image and
// twitter:image, link icons, video poster, input type=image) and prints
// "FILE<TAB>SECONDS<TAB>URLS" per file, the fastest of REPEAT runs. URLs
// are collected as written, not resolved.
// Usage: php extract.php REPEAT FILE...

const QUERIES = [
    '//img/@src | //img/@data-src | //source/@data-src | //link[contains(concat(" ", translate(@rel, "ICON", "icon"), " "), "icon")]/@href | //video/@poster | //input[translate(@type, "IMAGE", "image") = "image"]/@src',
    '//meta[@property = "og:image" or @property = "og:image:url" or @property = "og:image:secure_url" or @name = "twitter:image" or @name = "twitter:image:src" or @property = "twitter:image"]/@content',
];
const SRCSET_QUERY = '//img/@srcset | //picture/source/@srcset | //img/@data-srcset | //source/@data-srcset';

function srcset_urls(string $value): array
{
    $urls = [];
    foreach (preg_split('/,(?=\s)|,$/', $value) as $candidate) {
        $parts = preg_split('/\s+/', trim($candidate), 2);
        if ($parts[0] !== '')
            $urls[] = rtrim($parts[0], ',');
    }
    return $urls;
}

function extract_urls(string $html): int
{
    $doc = new DOMDocument();
    // The prefix makes libxml read the bytes as UTF-8 instead of ISO-8859-1.
    $doc->loadHTML('<?xml encoding="UTF-8">' . $html, LIBXML_NOERROR | LIBXML_NOWARNING | LIBXML_COMPACT | LIBXML_PARSEHUGE);
    $xpath = new DOMXPath($doc);
    $seen = [];
    foreach (QUERIES as $query)
        foreach ($xpath->query($query) as $attr)
            $seen[trim($attr->value)] = true;
    foreach ($xpath->query(SRCSET_QUERY) as $attr)
        foreach (srcset_urls($attr->value) as $url)
            $seen[$url] = true;
    unset($seen['']);
    return count($seen);
}

$repeat = max(1, (int)($argv[1] ?? 1));
foreach (array_slice($argv, 2) as $file) {
    $html = file_get_contents($file);
    if ($html === false) {
        fwrite(STDERR, "$file: cannot read\n");
        exit(1);
    }
    $best = INF;
    for ($i = 0; $i < $repeat; $i++) {
        $start = hrtime(true);
        $count = extract_urls($html);
        $best = min($best, (hrtime(true) - $start) / 1e9);
    }
    printf("%s\t%.6f\t%d\n", $file, $best, $count);
}
