// Package templates embeds the HTML templates parsed once at start-up by
// internal/web.
package templates

import "embed"

// FS holds layouts/, partials/ and pages/.
//
//go:embed layouts partials pages
var FS embed.FS
