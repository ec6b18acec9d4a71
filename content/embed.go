// Package content embeds the lessons shipped with the binary. Authors can
// override it at run time with `kynangso serve --content DIR`.
package content

import "embed"

// FS holds content/<locale>/<module>/*.md, module.yaml files and media/*.svg.
//
//go:embed vi en media
var FS embed.FS
