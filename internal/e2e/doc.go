// Package e2e holds the end-to-end tests: the real kynangso binary, started
// on a free loopback port with a fresh database and demo data, driven by
// Debian's headless Chromium (through chromedp) at a cheap phone's size. The
// tests walk each audience's main flow, with and without JavaScript, run
// axe-core on every main page and check the first-visit byte budget. Each
// test leaves a screenshot of its last page in test-output/ for review.
//
// They need /usr/bin/chromium (or KYNANGSO_CHROMIUM) and node_modules/axe-core
// (npm ci); .ci/run installs both. `go test -short` skips them.
package e2e
