package web_test

import (
	"log/slog"
	"testing"

	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/web"
	"github.com/kynangso/kynangso/static"
	"github.com/kynangso/kynangso/templates"
)

// BenchmarkNew builds the web server as serve does at start-up, on a loaded
// curriculum and an open database: every shared page rendered and
// compressed. DESIGN.md §5 gives start-up with all content ≤ 300 ms.
func BenchmarkNew(b *testing.B) {
	st := testutil.NewStore(b)
	cat := testutil.Catalog(b)
	log := slog.New(slog.DiscardHandler)
	bundle, err := i18n.New(log)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := web.New(web.Deps{Store: st, Curriculum: cat, I18n: bundle, Log: log,
			Templates: templates.FS, Static: static.FS, Version: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}
