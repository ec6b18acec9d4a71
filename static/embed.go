// Package static embeds the CSS, icons and optional scripts served under
// fingerprinted URLs by internal/web.
package static

import "embed"

// FS holds every static file; names starting with "." or "_" are left out.
//
//go:embed *.css *.svg *.js *.png
var FS embed.FS
